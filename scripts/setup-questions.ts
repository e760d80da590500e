/**
 * The questions of `npm run setup` and their answers: asked one by one in a terminal (asked again
 * after a bad answer), or all taken from the flags. Kept apart from scripts/setup.ts so a test can
 * answer them through a stream.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { z } from "zod";
import { defaultLocales, defaultTimeZones, setupFields, setupSchema, slugFrom, type SetupInput } from "../src/staff/set-up-organization.js";

export const usage = `Usage: npm run setup -- [options]

Creates an organization and invites its first admin. Without --yes, asks in a terminal.

  --name NAME            the organization's name, e.g. "Nuorten Apu ry"
  --slug SLUG            short name in addresses and files [from the name]
  --host HOST            host name of its request pages (repeat or comma-separate);
                         required when the installation already has an organization
  --country CC           two-letter country code (sets the lead supervisory authority)
  --time-zone ZONE       IANA time zone [the country's capital]
  --locales LIST         offered languages among en, fi, sv, nl, et [the country's, then en]
  --default-locale L     default language [the first offered]
  --dpo-email ADDRESS    the data protection officer's e-mail address
  --admin-name NAME      the first admin's name
  --admin-email ADDRESS  the first admin's e-mail address (the invitation goes there)
  --print-link           print the invitation link even when SMTP_URL is set
  --yes                  do not ask: take the flags as they are
  --help                 this text
`;

export type Key = keyof typeof setupFields;
export const flagOf: Record<Key, string> = {
  name: "name", slug: "slug", hosts: "host", country: "country", timeZone: "time-zone", locales: "locales", defaultLocale: "default-locale",
  dpoEmail: "dpo-email", adminName: "admin-name", adminEmail: "admin-email",
};
const questions: Record<Key, string> = {
  name: "Organization name", slug: "Slug (in addresses and file names)", hosts: "Host names of its request pages (comma-separated, may be empty)",
  country: "Country (two letters)", timeZone: "Time zone", locales: "Offered languages (en, fi, sv, nl, et; comma-separated)",
  defaultLocale: "Default language", dpoEmail: "Data protection officer's e-mail", adminName: "First admin's name", adminEmail: "First admin's e-mail",
};
export const order: Key[] = ["name", "slug", "hosts", "country", "timeZone", "locales", "defaultLocale", "dpoEmail", "adminName", "adminEmail"];

/** A default that follows from the answers so far (the slug from the name, the zone from the country…). */
function defaultFor(key: Key, so: Partial<Record<Key, unknown>>): string | undefined {
  const country = typeof so.country === "string" ? so.country : "";
  switch (key) {
    case "slug": return typeof so.name === "string" ? slugFrom(so.name) || undefined : undefined;
    case "hosts": return "";
    case "timeZone": return defaultTimeZones[country];
    case "locales": return (defaultLocales[country] ?? ["en"]).join(",");
    case "defaultLocale": return Array.isArray(so.locales) ? String(so.locales[0]) : undefined;
    default: return undefined;
  }
}

function check(key: Key, raw: string | string[] | undefined): { ok: true; value: unknown } | { ok: false; message: string } {
  const parsed = (setupFields[key] as z.ZodType).safeParse(Array.isArray(raw) ? raw.join(",") : raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: parsed.error.issues[0]?.message ?? "not valid" };
}

/**
 * Asks each question with its default, checks the answer and asks again until it is right, then
 * shows a summary and asks for a yes. Lines are read in turn (not rl.question), so answers piped
 * in ahead of their questions are not lost.
 */
export async function askAll(flags: Partial<Record<Key, string | string[]>>, input: Readable, output: Writable): Promise<SetupInput> {
  const rl = createInterface({ input, output, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string): Promise<string> => {
    output.write(question);
    const next = await lines.next();
    if (next.done) throw new UsageError("\nNo answer (end of input): nothing created.");
    return String(next.value).trim();
  };
  const answers: Partial<Record<Key, unknown>> = {};
  try {
    for (const key of order) {
      for (;;) {
        const given = flags[key];
        const fallback = given !== undefined ? [given].flat().join(",") : defaultFor(key, answers);
        const typed = await ask(`${questions[key]}${fallback ? ` [${fallback}]` : ""}: `);
        const result = check(key, typed || fallback || "");
        if (result.ok) {
          answers[key] = result.value;
          break;
        }
        output.write(`  ${result.message}\n`);
      }
    }
    const parsed = setupSchema.safeParse(answers);
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"));
    output.write(`\n${summary(parsed.data)}\n`);
    const sure = (await ask("Create this organization and invite its admin? [y/N] ")).toLowerCase();
    if (sure !== "y" && sure !== "yes") throw new UsageError("Nothing created.");
    return parsed.data;
  } finally {
    rl.close();
  }
}

export function fromFlags(flags: Partial<Record<Key, string | string[]>>): SetupInput {
  const answers: Partial<Record<Key, unknown>> = {};
  const problems: string[] = [];
  for (const key of order) {
    const raw = flags[key] ?? defaultFor(key, answers);
    if (raw === undefined) {
      problems.push(`--${flagOf[key]}: required`);
      continue;
    }
    const result = check(key, raw);
    if (result.ok) answers[key] = result.value;
    else problems.push(`--${flagOf[key]}: ${result.message}`);
  }
  const input = problems.length ? undefined : setupSchema.safeParse(answers);
  if (input && !input.success) problems.push(...input.error.issues.map((i) => `--${flagOf[i.path[0] as Key] ?? i.path.join(".")}: ${i.message}`));
  if (problems.length || !input?.success) throw new UsageError(`${problems.join("\n")}\n\n${usage}`);
  return input.data;
}

function summary(v: SetupInput): string {
  return [
    `  Organization:   ${v.name} (${v.slug})`,
    `  Host names:     ${v.hosts.length ? v.hosts.join(", ") : "(any; the installation's only organization)"}`,
    `  Country:        ${v.country}, time zone ${v.timeZone}`,
    `  Languages:      ${v.locales.join(", ")} (default ${v.defaultLocale})`,
    `  DPO:            ${v.dpoEmail}`,
    `  First admin:    ${v.adminName} <${v.adminEmail}>`,
  ].join("\n");
}

/** Wrong or missing answers, or a set-up not confirmed: nothing was created. */
export class UsageError extends Error {}

