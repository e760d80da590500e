/**
 * `npm run setup`: creates an organization and its first admin, who is invited the usual way
 * (staff/invite-staff.ts) and sets a password and TOTP at the first sign-in. The organization
 * starts unready: its requester pages say "not open yet" until the admin completes the checklist.
 * Several organizations share one installation, each on host names of its own.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { organizations } from "../db/schema/index.js";
import { leadAuthority } from "../requests/authorities.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { supportedLocales, type Locale } from "../platform/i18n.js";
import { createOrganization, organizationsChanged } from "../platform/organizations.js";
import type { Organization } from "../platform/http/types.js";
import { writeInvitation, type Invitation } from "./invite-staff.js";

/** The capital's zone of each country in the authority directory: the default a set-up offers. */
export const defaultTimeZones: Readonly<Record<string, string>> = {
  AT: "Europe/Vienna", BE: "Europe/Brussels", BG: "Europe/Sofia", CY: "Asia/Nicosia", CZ: "Europe/Prague", DE: "Europe/Berlin",
  DK: "Europe/Copenhagen", EE: "Europe/Tallinn", ES: "Europe/Madrid", FI: "Europe/Helsinki", FR: "Europe/Paris", GR: "Europe/Athens",
  HR: "Europe/Zagreb", HU: "Europe/Budapest", IE: "Europe/Dublin", IS: "Atlantic/Reykjavik", IT: "Europe/Rome", LI: "Europe/Vaduz",
  LT: "Europe/Vilnius", LU: "Europe/Luxembourg", LV: "Europe/Riga", MT: "Europe/Malta", NL: "Europe/Amsterdam", NO: "Europe/Oslo",
  PL: "Europe/Warsaw", PT: "Europe/Lisbon", RO: "Europe/Bucharest", SE: "Europe/Stockholm", SI: "Europe/Ljubljana", SK: "Europe/Bratislava",
};

/** The languages a set-up offers by default: the country's own among the five, then English. */
export const defaultLocales: Readonly<Record<string, readonly Locale[]>> = { FI: ["fi", "sv", "en"], SE: ["sv", "en"], NL: ["nl", "en"], EE: ["et", "en"] };

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const list = (v: unknown) => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v);

/** Each answer on its own, so a terminal prompt can check it and ask again. */
export const setupFields = {
  name: z.string().trim().min(1, "enter the organization's name").max(200, "at most 200 characters").refine((s) => !CONTROL.test(s), "no control characters"),
  slug: z.string().trim().toLowerCase().regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/, "lower-case letters, digits and hyphens, at most 50, e.g. nuorten-apu"),
  hosts: z.preprocess(list, z.array(z.string().trim().toLowerCase().regex(HOST, "a host name such as rights.example.org (no scheme, no port)")).max(10)),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine((c) => leadAuthority(c) !== null, "a two-letter country code with a supervisory authority in the directory, e.g. FI, SE, NL, EE"),
  timeZone: z.string().trim().refine(validTimeZone, "an IANA time zone, e.g. Europe/Helsinki"),
  locales: z.preprocess(
    list,
    z
      .array(z.enum(supportedLocales, { error: `each one of ${supportedLocales.join(", ")}` }))
      .min(1, `at least one of ${supportedLocales.join(", ")}`)
      .transform((ls) => [...new Set(ls)]),
  ),
  defaultLocale: z.enum(supportedLocales, { error: `one of ${supportedLocales.join(", ")}` }),
  dpoEmail: z.string().trim().toLowerCase().pipe(z.email("an e-mail address, e.g. dpo@example.org")),
  adminName: z.string().trim().min(1, "enter the admin's name").max(200, "at most 200 characters").refine((s) => !CONTROL.test(s), "no control characters"),
  adminEmail: z.string().trim().toLowerCase().pipe(z.email("an e-mail address, e.g. admin@example.org")),
} as const;

export const setupSchema = z
  .object(setupFields)
  .refine((v) => v.locales.includes(v.defaultLocale), { path: ["defaultLocale"], message: "must be one of the offered languages" });
export type SetupInput = z.infer<typeof setupSchema>;

/** A slug from a name: "Nuorten Apu ry" → "nuorten-apu-ry". */
export function slugFrom(name: string): string {
  return name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50).replace(/-+$/, "");
}

/**
 * The installation's only organization answered every host; once a second one arrives it answers
 * only its own host names. One that has none gets BASE_URL's host name (where it was reached
 * until now), audited, so the second organization does not take it off the air.
 */
async function keepFirstReachable(tx: Tx, ctx: AppContext, existing: { id: string; hostnames: string[] }[], newHosts: string[]): Promise<void> {
  const [only] = existing;
  if (existing.length !== 1 || only!.hostnames.length > 0) return;
  const host = new URL(ctx.config.BASE_URL).hostname;
  if (newHosts.includes(host)) throw new SetupConflict(`${host} is where the existing organization is reached (BASE_URL): give the new one another host name`);
  await tx.update(organizations).set({ hostnames: [host] }).where(eq(organizations.id, only!.id));
  await appendAudit(tx, ctx, {
    orgId: only!.id, actor: setupActor, action: setupActions.hostnamesChanged, target: { type: "organization", id: only!.id },
    details: { old: [], new: [host] },
  });
}

/** A set-up that would clash with what the installation already has. */
export class SetupConflict extends Error {}

export const setupActions = { created: "organization.created", hostnamesChanged: "organization.hostnames_changed" } as const;
const setupActor: Actor = { type: "system", role: "setup" };

/**
 * Creates the organization and invites its first admin, in one transaction with the audit entries.
 * `mail`: the invitation is queued for e-mail; otherwise the caller prints the returned link once.
 */
export async function setUpOrganization(ctx: AppContext, input: SetupInput, opts: { mail: boolean }): Promise<{ org: Organization; invitation: Invitation }> {
  const result = await ctx.db.transaction(async (tx) => {
    const existing = await tx.select({ id: organizations.id, slug: organizations.slug, hostnames: organizations.hostnames }).from(organizations).for("update");
    if (existing.some((o) => o.slug === input.slug)) throw new SetupConflict(`the slug "${input.slug}" is taken`);
    const taken = input.hosts.filter((h) => existing.some((o) => o.hostnames.includes(h)));
    if (taken.length) throw new SetupConflict(`host name already used by another organization: ${taken.join(", ")}`);
    // With several organizations each answers only its own host names (platform/http/organization.ts).
    if (existing.length > 0 && input.hosts.length === 0) throw new SetupConflict("this installation already has an organization: give the new one its own host name (--host)");
    await keepFirstReachable(tx, ctx, existing, input.hosts);
    const org = await createOrganization(tx, ctx.keys, {
      slug: input.slug, name: input.name, country: input.country, timeZone: input.timeZone, locales: input.locales, defaultLocale: input.defaultLocale,
      hostnames: input.hosts, authorityCountry: input.country, dpoEmail: input.dpoEmail, mailSenderName: input.name,
    });
    await appendAudit(tx, ctx, {
      orgId: org.id, actor: setupActor, action: setupActions.created, target: { type: "organization", id: org.id },
      details: { slug: org.slug, hostnames: org.hostnames, country: org.country, timeZone: org.timeZone, locales: org.locales, defaultLocale: org.defaultLocale },
    });
    const invitation = await writeInvitation(tx, ctx, org, setupActor, { name: input.adminName, email: input.adminEmail, role: "admin", locale: "" }, opts);
    return { org, invitation };
  });
  organizationsChanged(ctx);
  return result;
}
