import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { makeRequest } from "../staff/helpers.js";
import { conversations, exports, outbox, requests } from "../../src/db/schema/index.js";
import { enqueueOutbox } from "../../src/platform/outbox.js";
import { recordAudit, verifyAuditChain } from "../../src/platform/audit.js";
import { runRetention } from "../../src/retention/run-retention.js";
import type { PolicyValues, RetentionCategory } from "../../src/retention/categories.js";
import { at, count, setPolicy } from "./helpers.js";
import { sealedTexts } from "../support/request-texts.js";

/** The moment every fixture's clock starts from (its creation or last activity). */
const BASIS = new Date("2025-01-15T12:00:00Z");
type Org = Awaited<ReturnType<typeof makeOrg>>;

interface Case {
  name: string;
  category: RetentionCategory;
  policy: PolicyValues;
  /** Creates the data whose period starts at BASIS; returns what `gone` needs. */
  make(ctx: TestContext, org: Org): Promise<string>;
  /** Whether the policy's action has been applied. */
  gone(ctx: TestContext, id: string): Promise<boolean>;
}

const conversationGone = async (ctx: TestContext, id: string) => (await count(ctx, "conversations", `id = '${id}'`)) === 0;

const cases: Case[] = [
  {
    name: "conversations, 2 months since the chat, deleted with messages, notes and data key",
    category: "conversations",
    policy: { periodDays: 60, basis: "created", action: "delete" },
    make: async (ctx, org) => (await makeConversation(ctx, org.id, { startedAt: BASIS, note: "A worker's note" })).id,
    gone: async (ctx, id) => (await conversationGone(ctx, id)) && (await count(ctx, "messages")) === 0 && (await count(ctx, "notes")) === 0 && (await count(ctx, "data_keys", "length(wrapped_key) > 0")) === 0,
  },
  {
    name: "conversations, 2 years after the person's last chat, only date and topic kept",
    category: "conversations",
    policy: { periodDays: 730, basis: "last_activity", action: "tombstone" },
    make: async (ctx, org) => {
      const person = await makeSubject(ctx, org.id);
      // The older chat is measured from the last one, not from its own date.
      await makeConversation(ctx, org.id, { subjectId: person.id, startedAt: at(BASIS, -300), topic: "Older" });
      await makeConversation(ctx, org.id, { subjectId: person.id, startedAt: BASIS, topic: "Latest" });
      return person.id;
    },
    gone: async (ctx) => {
      const rows = await ctx.db.select().from(conversations);
      const tombstones = rows.filter((c) => c.erasedAt && !c.subjectId && !c.dataKeyId && !c.ipEnc && c.erasedByReference === "retention");
      return tombstones.length === 2 && rows.every((c) => c.topic && c.startedAt) && (await count(ctx, "messages")) === 0;
    },
  },
  {
    name: "IP addresses, truncated 60 days after the chat",
    category: "ip_addresses",
    policy: { periodDays: 60, basis: "created", action: "truncate_ip" },
    make: async (ctx, org) => (await makeConversation(ctx, org.id, { startedAt: BASIS })).id,
    gone: async (ctx, id) => {
      const [c] = await ctx.db.select().from(conversations).where(eq(conversations.id, id));
      return !!c && c.ipEnc === null && c.ipTruncatedAt !== null && (await count(ctx, "messages")) === 2;
    },
  },
  {
    name: "subject accounts, 2 years after creation",
    category: "subject_accounts",
    policy: { periodDays: 730, basis: "created", action: "delete" },
    make: async (ctx, org) => (await makeSubject(ctx, org.id, { createdAt: BASIS, lastActivityAt: at(BASIS, 500) })).id,
    gone: async (ctx, id) => (await count(ctx, "subjects", `id = '${id}'`)) === 0,
  },
  {
    name: "subject accounts, 2 years after the last conversation",
    category: "subject_accounts",
    policy: { periodDays: 730, basis: "last_activity", action: "delete" },
    make: async (ctx, org) => {
      const person = await makeSubject(ctx, org.id, { createdAt: at(BASIS, -400), lastActivityAt: at(BASIS, -100) });
      await makeConversation(ctx, org.id, { subjectId: person.id, startedAt: BASIS });
      return person.id;
    },
    gone: async (ctx, id) => (await count(ctx, "subjects", `id = '${id}'`)) === 0 && (await count(ctx, "conversations", "subject_id is null")) === 1,
  },
  {
    name: "inactive accounts, 18 months without activity",
    category: "inactive_accounts",
    policy: { periodDays: 540, basis: "last_activity", action: "delete" },
    make: async (ctx, org) => (await makeSubject(ctx, org.id, { createdAt: at(BASIS, -900), emailVerifiedAt: at(BASIS, -900), lastActivityAt: BASIS })).id,
    gone: async (ctx, id) => (await count(ctx, "subjects", `id = '${id}'`)) === 0,
  },
  {
    name: "unactivated accounts, 30 days after creation",
    category: "unactivated_accounts",
    policy: { periodDays: 30, basis: "created", action: "delete" },
    make: async (ctx, org) => {
      // An activated account of the same age stays: only the never-used record goes.
      await makeSubject(ctx, org.id, { createdAt: BASIS, emailVerifiedAt: BASIS });
      return (await makeSubject(ctx, org.id, { createdAt: BASIS, passwordHash: null })).id;
    },
    gone: async (ctx, id) => (await count(ctx, "subjects", `id = '${id}'`)) === 0 && (await count(ctx, "subjects")) === 1,
  },
  {
    name: "unverified requests, 60 days awaiting identity",
    category: "unverified_requests",
    policy: { periodDays: 60, basis: "last_activity", action: "delete" },
    make: async (ctx, org) => {
      const r = await makeRequest(ctx, org, { status: "awaiting_identity", receivedAt: at(BASIS, -5) });
      await ctx.db.update(requests).set({ updatedAt: BASIS, pausedSince: BASIS }).where(eq(requests.id, r.id));
      return r.id;
    },
    gone: async (ctx, id) => (await count(ctx, "requests", `id = '${id}'`)) === 0,
  },
  {
    name: "closed requests, 3 years after completion, deleted",
    category: "closed_requests",
    policy: { periodDays: 1095, basis: "last_activity", action: "delete" },
    make: async (ctx, org) => {
      const r = await makeRequest(ctx, org, { status: "completed", receivedAt: at(BASIS, -20) });
      await ctx.db.update(requests).set({ updatedAt: BASIS, completedAt: BASIS }).where(eq(requests.id, r.id));
      return r.id;
    },
    gone: async (ctx, id) => (await count(ctx, "requests", `id = '${id}'`)) === 0,
  },
  {
    name: "closed requests, 1 year after receipt, register entry kept without the person",
    category: "closed_requests",
    policy: { periodDays: 365, basis: "created", action: "tombstone" },
    make: async (ctx, org) => {
      const person = await makeSubject(ctx, org.id);
      const r = await makeRequest(ctx, org, { subjectId: person.id, status: "rejected", receivedAt: BASIS });
      await ctx.db.update(requests).set({ updatedAt: at(BASIS, 20), ...(await sealedTexts(ctx, { orgId: org.id, subjectId: person.id }, { decisionReason: "Manifestly unfounded", details: { fields: { name: "X" } } })) }).where(eq(requests.id, r.id));
      return r.id;
    },
    gone: async (ctx, id) => {
      const [r] = await ctx.db.select().from(requests).where(eq(requests.id, id));
      return !!r && r.subjectId === null && r.decisionReasonEnc === null && r.detailsEnc === null && r.details.retention === "tombstoned" && r.reference.length > 0;
    },
  },
  {
    name: "exports, 90 days after creation",
    category: "exports",
    policy: { periodDays: 90, basis: "created", action: "delete" },
    make: async (ctx, org) => {
      const [e] = await ctx.db.insert(exports).values({ orgId: org.id, kind: "access_zip", status: "expired", createdAt: BASIS }).returning();
      return e!.id;
    },
    gone: async (ctx, id) => (await count(ctx, "exports", `id = '${id}'`)) === 0,
  },
  {
    name: "outbox, 90 days after a message was queued",
    category: "outbox",
    policy: { periodDays: 90, basis: "created", action: "delete" },
    make: async (ctx, org) => {
      await enqueueOutbox(ctx.db, ctx.keys, { orgId: org.id, kind: "email", recipient: "someone@example.test", template: "verification_code", locale: "en", payload: {}, dedupeKey: "sent" }, BASIS);
      const [o] = await ctx.db.update(outbox).set({ status: "sent", sentAt: BASIS }).where(eq(outbox.dedupeKey, "sent")).returning();
      // Mail not yet delivered is never removed, however old.
      await enqueueOutbox(ctx.db, ctx.keys, { orgId: org.id, kind: "email", recipient: "b@example.test", template: "t", locale: "en", payload: {} }, at(BASIS, -400));
      return o!.id;
    },
    gone: async (ctx, id) => (await count(ctx, "outbox", `id = '${id}'`)) === 0 && (await count(ctx, "outbox", "status = 'pending'")) === 1,
  },
  {
    name: "audit log, 3 years, pruned from its oldest end with an anchor",
    category: "audit_log",
    policy: { periodDays: 1095, basis: "created", action: "delete" },
    make: async (ctx, org) => {
      const now = ctx.clock.now();
      ctx.clock.set(BASIS);
      await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "test.old", details: { n: 1 } });
      ctx.clock.set(now);
      return "";
    },
    gone: async (ctx) => {
      const check = await verifyAuditChain(ctx.db);
      if (!check.ok) throw new Error(`chain broken: ${JSON.stringify(check)}`);
      return (await count(ctx, "audit_log", "action = 'test.old'")) === 0 && (await count(ctx, "audit_anchors")) === 1;
    },
  },
];

describe("retention at each policy boundary: the day before, the day, the day after", () => {
  for (const c of cases) {
    describe(c.name, () => {
      for (const [offset, expectGone] of [[-1, false], [0, true], [1, true]] as const) {
        it(`${offset < 0 ? "keeps it the day before" : offset === 0 ? "applies it on the day" : "applies it the day after"}`, async () => {
          const ctx = await freshContext();
          const org = await makeOrg(ctx);
          await setPolicy(ctx, org.id, c.category, c.policy);
          ctx.clock.set(at(BASIS, c.policy.periodDays + offset));
          const id = await c.make(ctx, org);
          const [result] = await runRetention(ctx, { batchSize: 2 });
          expect(result!.status).to.equal("completed");
          expect(await c.gone(ctx, id)).to.equal(expectGone);
          if (expectGone) expect(result!.counts[c.category]).to.be.greaterThan(0);
          else expect(result!.counts[c.category] ?? 0).to.equal(0);
        });
      }
    });
  }

  it("destroys the data keys of the conversations it deletes, and only those", async () => {
    const ctx = await freshContext();
    const org = await makeOrg(ctx);
    await setPolicy(ctx, org.id, "conversations", { periodDays: 60, basis: "created", action: "delete" });
    await makeConversation(ctx, org.id, { startedAt: BASIS });
    await makeConversation(ctx, org.id, { startedAt: BASIS });
    const keep = await makeConversation(ctx, org.id, { startedAt: at(BASIS, 100) });
    ctx.clock.set(at(BASIS, 70));
    await runRetention(ctx);
    expect(await count(ctx, "data_keys")).to.equal(1);
    expect(await count(ctx, "data_keys", `id = '${keep.dataKeyId}'`)).to.equal(1);
  });

  it("leaves other organizations' data alone", async () => {
    const ctx = await freshContext();
    const org = await makeOrg(ctx);
    // An organization with no rules at all (as a fresh set-up leaves it).
    const other = await makeOrg(ctx, {}, { ready: false });
    await setPolicy(ctx, org.id, "conversations", { periodDays: 60, basis: "created", action: "delete" });
    const theirs = await makeConversation(ctx, other.id, { startedAt: BASIS });
    ctx.clock.set(at(BASIS, 400));
    const results = await runRetention(ctx);
    expect(results.find((r) => r.orgId === other.id)!.status).to.equal("no_policies");
    expect(await count(ctx, "conversations", `id = '${theirs.id}'`)).to.equal(1);
    expect(await count(ctx, "messages")).to.equal(2);
  });
});
