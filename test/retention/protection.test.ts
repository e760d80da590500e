import { complaintKeyFor, sealComplaintBody } from "../../src/complaints/complaint-texts.js";
import { expect } from "chai";
import { eq, inArray } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { makeRequest } from "../staff/helpers.js";
import { complaints, conversations, exports, requests, retentionPolicies, subjects } from "../../src/db/schema/index.js";
import { runRetention } from "../../src/retention/run-retention.js";
import { candidatePage, conversationsSweeper, lockAndRecheck } from "../../src/retention/sweepers.js";
import { at, count, setPolicy } from "./helpers.js";

const BASIS = new Date("2025-01-15T12:00:00Z");

describe("retention keeps what is held, restricted or part of an open request, and counts it", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    ctx.clock.set(at(BASIS, 800));
  });

  const chat = (opts: Parameters<typeof makeConversation>[2] = {}) => makeConversation(ctx, org.id, { startedAt: BASIS, ...opts });
  const ids = async () => new Set((await ctx.db.select({ id: conversations.id }).from(conversations)).map((r) => r.id));

  it("conversations and IP addresses: legal hold, restriction (of the chat or the person) and open requests", async () => {
    await setPolicy(ctx, org.id, "conversations", { periodDays: 60, basis: "created", action: "delete" });
    const free = await chat();
    const held = await chat();
    await ctx.db.update(conversations).set({ legalHoldAt: BASIS, legalHoldReason: "Police report" }).where(eq(conversations.id, held.id));
    const restricted = await chat();
    await ctx.db.update(conversations).set({ restrictedAt: BASIS }).where(eq(conversations.id, restricted.id));
    const restrictedPerson = await makeSubject(ctx, org.id, { restrictedAt: BASIS });
    const ofRestrictedPerson = await chat({ subjectId: restrictedPerson.id });
    const chosen = await chat();
    await makeRequest(ctx, org, { status: "in_review", scope: "chosen_conversations", conversationIds: [chosen.id] });
    const receipt = await chat();
    const r = await makeRequest(ctx, org, { status: "awaiting_requester", scope: "chosen_conversations" });
    await ctx.db.update(requests).set({ receiptConversationId: receipt.id }).where(eq(requests.id, r.id));
    const requester = await makeSubject(ctx, org.id);
    const ofRequester = await chat({ subjectId: requester.id });
    await makeRequest(ctx, org, { subjectId: requester.id, status: "approved", scope: "all_conversations" });
    // A closed request protects nothing.
    const closedOne = await chat();
    await makeRequest(ctx, org, { status: "completed", scope: "chosen_conversations", conversationIds: [closedOne.id] });

    const [result] = await runRetention(ctx, { batchSize: 3 });
    expect(result!.counts.conversations).to.equal(2);
    expect(result!.kept.conversations).to.equal(6);
    const left = await ids();
    for (const kept of [held, restricted, ofRestrictedPerson, chosen, receipt, ofRequester]) expect(left.has(kept.id), "kept").to.equal(true);
    for (const gone of [free, closedOne]) expect(left.has(gone.id), "gone").to.equal(false);
    expect(await count(ctx, "messages")).to.equal(12);

    // The same rules hold for truncating IP addresses.
    await ctx.db.delete(retentionPolicies).where(eq(retentionPolicies.orgId, org.id));
    await setPolicy(ctx, org.id, "ip_addresses", { periodDays: 60, basis: "created", action: "truncate_ip" });
    await ctx.db.update(conversations).set({ legalHoldAt: null }).where(eq(conversations.id, held.id));
    const [second] = await runRetention(ctx);
    expect(second!.counts.ip_addresses).to.equal(1);
    expect(second!.kept.ip_addresses).to.equal(5);
    const [heldNow] = await ctx.db.select().from(conversations).where(eq(conversations.id, held.id));
    expect(heldNow!.ipEnc).to.equal(null);
  });

  it("a legal hold set while a batch was choosing is seen before anything is deleted", async () => {
    const c = await chat();
    const scope = { orgId: org.id, policy: { periodDays: 60, basis: "created" as const, action: "delete" as const }, now: ctx.clock.now() };
    await ctx.db.transaction(async (tx) => {
      const [chosen] = await candidatePage(tx, conversationsSweeper, scope, null, 10);
      expect(chosen).to.deep.include({ id: c.id, kept: false });
      // What another transaction would commit meanwhile (PGlite runs one transaction at a time, so here it is the same one).
      await tx.update(conversations).set({ legalHoldAt: ctx.clock.now() }).where(eq(conversations.id, c.id));
      const [now] = await lockAndRecheck(tx, conversationsSweeper, scope, [c.id]);
      expect(now).to.deep.include({ id: c.id, kept: true });
    });
  });

  it("accounts: restricted, with an open request, or with a chat under legal hold", async () => {
    await setPolicy(ctx, org.id, "subject_accounts", { periodDays: 730, basis: "created", action: "delete" });
    const plain = await makeSubject(ctx, org.id, { createdAt: BASIS });
    const restricted = await makeSubject(ctx, org.id, { createdAt: BASIS, restrictedAt: BASIS });
    const asking = await makeSubject(ctx, org.id, { createdAt: BASIS });
    await makeRequest(ctx, org, { subjectId: asking.id, status: "submitted", scope: "profile" });
    const withHeldChat = await makeSubject(ctx, org.id, { createdAt: BASIS });
    const c = await chat({ subjectId: withHeldChat.id });
    await ctx.db.update(conversations).set({ legalHoldAt: BASIS }).where(eq(conversations.id, c.id));

    const [result] = await runRetention(ctx);
    expect(result!.counts.subject_accounts).to.equal(1);
    expect(result!.kept.subject_accounts).to.equal(3);
    const left = (await ctx.db.select({ id: subjects.id }).from(subjects)).map((s) => s.id).sort();
    expect(left).to.deep.equal([restricted.id, asking.id, withHeldChat.id].sort());
    expect(plain.id).not.to.be.oneOf(left);
  });

  it("closed requests with an open complaint, and exports of open requests, stay", async () => {
    await setPolicy(ctx, org.id, "closed_requests", { periodDays: 365, basis: "created", action: "delete" });
    await setPolicy(ctx, org.id, "exports", { periodDays: 90, basis: "created", action: "delete" });
    const complained = await makeRequest(ctx, org, { status: "rejected", receivedAt: BASIS });
    const key = await complaintKeyFor(ctx.db, ctx.keys, complained);
    await ctx.db.insert(complaints).values({ orgId: org.id, requestId: complained.id, reference: "CP-TEST-0001", grounds: "refused", subjectKeyId: key.id, bodyEnc: sealComplaintBody(key, "Why?"), receivedAt: BASIS, dueDate: "2025-02-15" });
    const done = await makeRequest(ctx, org, { status: "completed", receivedAt: BASIS });
    const open = await makeRequest(ctx, org, { status: "in_progress", receivedAt: BASIS });
    await ctx.db.insert(exports).values([
      { orgId: org.id, requestId: open.id, kind: "access_zip", status: "ready", createdAt: BASIS },
      { orgId: org.id, requestId: null, kind: "access_zip", status: "expired", createdAt: BASIS },
    ]);

    const [result] = await runRetention(ctx);
    expect(result!.counts).to.include({ closed_requests: 1, exports: 1 });
    expect(result!.kept).to.include({ closed_requests: 1, exports: 1 });
    const left = (await ctx.db.select({ id: requests.id }).from(requests).where(inArray(requests.id, [complained.id, done.id, open.id]))).map((r) => r.id);
    expect(left.sort()).to.deep.equal([complained.id, open.id].sort());
    expect(await count(ctx, "exports")).to.equal(1);
  });
});
