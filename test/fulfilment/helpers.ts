import crypto from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent, csrfFrom, type Agent } from "../support/http.js";
import { addStatement } from "../../src/chats/conversation-store.js";
import { conversations, recipients, requests, type RequestScope, type RequestType } from "../../src/db/schema/index.js";
import { newReference } from "../../src/platform/codes.js";
import { dueDate } from "../../src/requests/deadlines.js";
import type { StaffActor } from "../../src/platform/policy.js";
import { rowsOf } from "../../src/db/client.js";
import { sealedTexts } from "../support/request-texts.js";

export const unique = () => crypto.randomBytes(6).toString("hex");


export async function tableNames(ctx: TestContext): Promise<string[]> {
  const rows = rowsOf<{ tablename: string }>(await ctx.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`));
  return rows.map((r) => r.tablename);
}

/** Every row of every table in the public schema, as Postgres prints it (bytea as hex), sorted. */
export async function snapshot(ctx: TestContext): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await tableNames(ctx)) {
    const rows = rowsOf<{ row: string }>(await ctx.db.execute(sql.raw(`select t::text as row from "${table}" t`)));
    out[table] = rows.map((r) => r.row).sort();
  }
  return out;
}

/**
 * Where any of the needles occurs in the database: every column of every table, read as text,
 * and each needle looked for as itself and as the hex of its UTF-8 bytes (how bytea prints).
 */
export async function scan(ctx: TestContext, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  const forms = needles.map((n) => ({ n, forms: [n.toLowerCase(), Buffer.from(n, "utf8").toString("hex")] }));
  const snap = await snapshot(ctx);
  for (const [table, rows] of Object.entries(snap)) {
    for (const row of rows) {
      const text = row.toLowerCase();
      for (const { n, forms: fs } of forms) if (fs.some((f) => text.includes(f))) found.push(`${table}: ${n}`);
    }
  }
  return [...new Set(found)];
}

export const actorOf = (s: { id: string; orgId: string; role: StaffActor["role"]; name: string; email: string }): StaffActor =>
  ({ type: "staff", id: s.id, orgId: s.orgId, role: s.role, name: s.name, email: s.email });

export async function insertRequest(
  ctx: TestContext,
  org: { id: string; country: string; timeZone: string },
  r: {
    subjectId?: string | null; receiptConversationId?: string | null; type: RequestType; scope: RequestScope; status?: string;
    conversationIds?: string[]; details?: Record<string, unknown>; erasureApprovedBy?: string | null; erasureConfirmedBy?: string | null;
    result?: Record<string, unknown> | null; locale?: string;
  },
) {
  const due = dueDate(ctx.clock.now(), org.country, org.timeZone);
  const [row] = await ctx.db.insert(requests).values({
    orgId: org.id, reference: newReference(), subjectId: r.subjectId ?? null, receiptConversationId: r.receiptConversationId ?? null,
    type: r.type, scope: r.scope, conversationIds: r.conversationIds ?? [], ...(await sealedTexts(ctx, { orgId: org.id, subjectId: r.subjectId ?? null }, { details: r.details })), dedupeKey: unique(),
    status: r.status ?? "approved", assurance: "account", locale: r.locale ?? "en", receivedAt: ctx.clock.now(), dueDate: due, effectiveDueDate: due,
    erasureApprovedBy: r.erasureApprovedBy ?? null, erasureConfirmedBy: r.erasureConfirmedBy ?? null, result: r.result ?? null,
  }).returning();
  return row!;
}

/**
 * An organization with two DPOs, a reviewer and an admin; a subject with three conversations
 * full of recognizable text (messages, sender labels, a note, a statement) and platform ids;
 * someone else's conversation; and a recipient without a webhook.
 */
export async function world(ctx: TestContext) {
  const tag = unique();
  const org = await makeOrg(ctx, { authorityCountry: "FI" });
  const [dpo, dpo2, reviewer, admin] = [await makeStaff(ctx, org.id, "dpo"), await makeStaff(ctx, org.id, "dpo"), await makeStaff(ctx, org.id, "reviewer"), await makeStaff(ctx, org.id, "admin")];
  const secrets = {
    name: `Secretname${tag}`, email: `secret-${tag}@example.test`, subjectExt: `platform-user-${tag}`,
    messages: [`Message one ${tag} about my stepfather`, `Worker reply ${tag} we are here`, `Second chat ${tag} at school`],
    label: `Workerlabel${tag}`, note: `Counsellor note ${tag} follow up`, statement: `My statement ${tag}: that is not what I meant`,
    held: `Held message ${tag} police`, convExt: [`conv-a-${tag}`, `conv-b-${tag}`],
  };
  const subject = await makeSubject(ctx, org.id, { displayName: secrets.name, email: secrets.email, externalId: secrets.subjectExt });
  const first = await makeConversation(ctx, org.id, {
    subjectId: subject.id, topic: "Family", startedAt: new Date("2026-01-10T10:00:00Z"), note: secrets.note,
    messages: [{ body: secrets.messages[0] }, { body: secrets.messages[1], senderRole: "worker", senderLabel: secrets.label }],
  });
  const second = await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "School", startedAt: new Date("2026-01-20T10:00:00Z"), messages: [{ body: secrets.messages[2] }] });
  const held = await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "Danger", startedAt: new Date("2026-01-25T10:00:00Z"), messages: [{ body: secrets.held }] });
  await ctx.db.update(conversations).set({ externalId: secrets.convExt[0] }).where(eq(conversations.id, first.id));
  await ctx.db.update(conversations).set({ externalId: secrets.convExt[1] }).where(eq(conversations.id, second.id));
  const [firstNow] = await ctx.db.select().from(conversations).where(eq(conversations.id, first.id));
  await addStatement(ctx.db, ctx.keys, firstNow!, secrets.statement, crypto.randomUUID());
  const stranger = await makeSubject(ctx, org.id);
  const foreign = await makeConversation(ctx, org.id, { subjectId: stranger.id, messages: [{ body: `Not yours ${tag}` }] });
  const [recipient] = await ctx.db.insert(recipients).values({ orgId: org.id, name: "Chat Platform Oy", description: "Hosts the chat" }).returning();
  return { org, dpo, dpo2, reviewer, admin, subject, first: firstNow!, second, held, stranger, foreign, recipient: recipient!, secrets, tag };
}

export type World = Awaited<ReturnType<typeof world>>;

export async function staffAgent(ctx: TestContext, app: Parameters<typeof signedInAgent>[1], w: { org: { id: string; slug: string } }, staffId: string): Promise<Agent> {
  return signedInAgent(ctx, app, { orgId: w.org.id, kind: "staff", staffId, host: `${w.org.slug}.test` });
}

export async function postForm(agent: Agent, path: string, form: Record<string, string>, page = "/staff") {
  const token = await csrfFrom(agent, page);
  return agent.post(path).type("form").send({ ...form, _csrf: token });
}

/** An approved access, export or police request released without redactions (the DPO's review, done at once). */
export async function releaseUnreviewed(ctx: TestContext, actor: StaffActor, requestId: string) {
  const { openPackageReview, releasePackage } = await import("../../src/fulfilment/package-review.js");
  const [r] = await ctx.db.select().from(requests).where(eq(requests.id, requestId));
  await ctx.db.transaction((tx) => openPackageReview(tx, ctx, actor, r!));
  return releasePackage(ctx, actor, requestId);
}
