import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { conversations, organizations } from "../db/schema/index.js";
import { appendAudit, canonicalJson } from "../platform/audit.js";
import { NotFoundError } from "../platform/errors.js";
import { organizationsChanged } from "../platform/organizations.js";
import { authorizeSettings } from "./policies.js";
import type { StaffActor } from "../platform/policy.js";
import { readSettings, type OrganizationSettings, type SectionValues } from "./schema.js";

export const settingsActions = { changed: "organization.settings_changed" } as const;

export interface SettingsChange {
  changed: string[];
  /** Conversations whose stored IP address was removed because storing them was turned off. */
  ipAddressesRemoved: number;
}

// Key order differs between a form and jsonb (which sorts keys): compare canonically.
const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Conversations of the organization that still hold an IP address (the confirmation page counts them). */
export async function storedIpCount(db: Executor, orgId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(conversations).where(and(eq(conversations.orgId, orgId), isNotNull(conversations.ipEnc)));
  return Number(row?.n ?? 0);
}

/**
 * Saves one section of the organization's settings. The row is locked, only what changed is
 * written, and one audit entry in the same transaction holds each changed setting's old and new
 * value. Turning "store IP addresses" off also removes every IP address already stored, at once
 * (the route asks for confirmation first): a helpline that promises never to see them keeps none.
 */
export async function updateSettings(ctx: AppContext, actor: StaffActor, input: SectionValues, ip?: string): Promise<SettingsChange> {
  authorizeSettings(actor, "manage", { kind: "settings", orgId: actor.orgId });
  const result = await ctx.db.transaction(async (tx) => {
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, actor.orgId)).for("update");
    if (!org) throw new NotFoundError("organization");
    const before = readSettings(org);
    const after: OrganizationSettings = { ...before, ...input.values };
    const changed = (Object.keys(input.values) as (keyof OrganizationSettings)[]).filter((k) => !same(before[k], after[k]));
    if (changed.length === 0) return { changed: [], ipAddressesRemoved: 0 };

    const { purposes, legalBases, categories, source, transfers } = after;
    await tx
      .update(organizations)
      .set({
        // Other keys of privacy_info (e.g. named recipients) stay as they are.
        privacyInfo: { ...org.privacyInfo, purposes, legalBases, categories, source, transfers },
        dpoEmail: after.dpoEmail,
        authorityCountry: after.authorityCountry,
        mailSenderName: after.mailSenderName,
        verificationMethods: after.verificationMethods,
        minimumAssurance: after.minimumAssurance,
        storeIpAddresses: after.storeIpAddresses,
      })
      .where(eq(organizations.id, org.id));

    let ipAddressesRemoved = 0;
    if (before.storeIpAddresses && !after.storeIpAddresses) {
      const removed = await tx
        .update(conversations)
        .set({ ipEnc: null, ipTruncatedAt: sql`coalesce(${conversations.ipTruncatedAt}, ${ctx.clock.now().toISOString()}::timestamptz)` })
        .where(and(eq(conversations.orgId, org.id), isNotNull(conversations.ipEnc)))
        .returning({ id: conversations.id });
      ipAddressesRemoved = removed.length;
    }
    const pick = (s: OrganizationSettings) => Object.fromEntries(changed.map((k) => [k, s[k]]));
    await appendAudit(tx, ctx, {
      orgId: org.id, actor: { type: "staff", id: actor.id, role: actor.role }, action: settingsActions.changed,
      target: { type: "organization", id: org.id }, ip,
      details: { section: input.section, old: pick(before), new: pick(after), ...(ipAddressesRemoved ? { ipAddressesRemoved } : {}) },
    });
    return { changed, ipAddressesRemoved };
  });
  if (result.changed.length) organizationsChanged(ctx);
  return result;
}
