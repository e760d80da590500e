import { insertSubject, type NewSubject } from "../../src/chats/subject-store.js";
import type { TestContext } from "./context.js";
import { createOrganization, type NewOrganization } from "../../src/platform/organizations.js";
import { retentionPolicies, staffUsers, subjects, type StaffRole } from "../../src/db/schema/index.js";
import { hashPassword } from "../../src/identity/passwords.js";
import { appendMessages, addNote, createConversation, type PlainMessage } from "../../src/chats/conversation-store.js";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Settings texts in every language an organization offers: enough for its checklist to be complete. */
export function readyPrivacyInfo(locales: readonly string[]) {
  const each = (what: string) => Object.fromEntries(locales.map((l) => [l, `${what} (${l})`]));
  return {
    purposes: each("To answer chats and support the people who contact us"),
    legalBases: each("Answering chats: a task in the public interest"),
    categories: each("The messages of each chat, its date and topic"),
    source: each("From you, in the chats you had with us"),
    transfers: { outsideEea: false },
  };
}

/** The one retention rule the checklist asks for, long enough that no test's sweep ever reaches it. */
export const readyRetentionRule = { category: "conversations", periodDays: 36_500, basis: "created", action: "delete" } as const;

/**
 * An organization of its own host. By default READY: every setting of the checklist filled in
 * (settings/readiness.ts), so its requester pages are open. `{ ready: false }` gives one as a
 * fresh set-up leaves it: nothing filled in, no retention rule.
 */
export async function makeOrg(ctx: TestContext, overrides: Partial<NewOrganization> = {}, opts: { ready?: boolean } = {}) {
  const slug = overrides.slug ?? `org-${unique()}`;
  const name = overrides.name ?? `Helpline ${slug}`;
  const locales = overrides.locales ?? ["en", "fi", "sv", "nl", "et"];
  const ready = opts.ready ?? true;
  const org = await createOrganization(ctx.db, ctx.keys, {
    slug, name, country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "en", locales, hostnames: [`${slug}.test`],
    ...(ready ? { dpoEmail: `dpo@${slug}.test`, mailSenderName: name, privacyInfo: readyPrivacyInfo(locales) } : {}),
    ...overrides,
  });
  if (ready) await ctx.db.insert(retentionPolicies).values({ orgId: org.id, ...readyRetentionRule }).onConflictDoNothing();
  return org;
}

let cachedHash: Promise<string> | undefined;
export const TEST_PASSWORD = "correct horse battery staple";
const passwordHash = () => (cachedHash ??= hashPassword(TEST_PASSWORD));

export async function makeSubject(ctx: TestContext, orgId: string, overrides: Partial<NewSubject> = {}) {
  return insertSubject(ctx.db, ctx.keys, { orgId, email: `person-${unique()}@example.test`, displayName: "Test Person", passwordHash: await passwordHash(), locale: "en", ...overrides });
}

export async function makeStaff(ctx: TestContext, orgId: string, role: StaffRole, overrides: Partial<typeof staffUsers.$inferInsert> = {}) {
  const [s] = await ctx.db
    .insert(staffUsers)
    .values({ orgId, role, email: `${role}-${unique()}@example.test`, name: `Staff ${role}`, passwordHash: await passwordHash(), ...overrides })
    .returning();
  return s!;
}

export async function makeConversation(
  ctx: TestContext,
  orgId: string,
  opts: { subjectId?: string | null; receiptCodeHash?: string; topic?: string; messages?: Partial<PlainMessage>[]; note?: string; startedAt?: Date } = {},
) {
  const startedAt = opts.startedAt ?? new Date("2026-02-01T10:00:00Z");
  const conv = await createConversation(ctx.db, ctx.keys, {
    orgId, subjectId: opts.subjectId ?? null, receiptCodeHash: opts.receiptCodeHash ?? null, topic: opts.topic ?? "Test topic", startedAt, ip: "192.0.2.44",
  });
  const msgs = (opts.messages ?? [{ body: "Hello, I need help" }, { body: "We are here for you", senderRole: "worker" }]).map((m, i) => ({
    senderRole: m.senderRole ?? "subject", senderLabel: m.senderLabel ?? (m.senderRole === "worker" ? "Worker Name" : "Me"),
    body: m.body ?? `message ${i}`, sentAt: m.sentAt ?? new Date(startedAt.getTime() + i * 60_000),
  }));
  await appendMessages(ctx.db, ctx.keys, conv, msgs);
  if (opts.note) await addNote(ctx.db, ctx.keys, conv, opts.note);
  return conv;
}
