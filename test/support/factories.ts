import type { TestContext } from "./context.js";
import { createOrganization, type NewOrganization } from "../../src/platform/organizations.js";
import { staffUsers, subjects, type StaffRole } from "../../src/db/schema/index.js";
import { hashPassword } from "../../src/identity/passwords.js";
import { appendMessages, addNote, createConversation, type PlainMessage } from "../../src/chats/conversation-store.js";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function makeOrg(ctx: TestContext, overrides: Partial<NewOrganization> = {}) {
  const slug = overrides.slug ?? `org-${unique()}`;
  return createOrganization(ctx.db, ctx.keys, {
    slug, name: `Helpline ${slug}`, country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "en",
    locales: ["en", "fi", "sv", "nl", "et"], hostnames: [`${slug}.test`], ...overrides,
  });
}

let cachedHash: Promise<string> | undefined;
export const TEST_PASSWORD = "correct horse battery staple";
const passwordHash = () => (cachedHash ??= hashPassword(TEST_PASSWORD));

export async function makeSubject(ctx: TestContext, orgId: string, overrides: Partial<typeof subjects.$inferInsert> = {}) {
  const [s] = await ctx.db
    .insert(subjects)
    .values({ orgId, email: `person-${unique()}@example.test`, displayName: "Test Person", passwordHash: await passwordHash(), locale: "en", ...overrides })
    .returning();
  return s!;
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
