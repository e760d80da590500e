import { openAuditPersonal } from "../../src/platform/audit.js";
import { insertSubject, subjectById } from "../../src/chats/subject-store.js";
import fs from "node:fs";
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { signedInAgent } from "../support/http.js";
import { freshExportsContext, runJobs, unzip } from "../exports/helpers.js";
import { buildApp } from "../../src/app.js";
import { readStatements } from "../../src/chats/conversation-store.js";
import { auditLog, conversations, exports, outbox, requestMessages, requests, subjects } from "../../src/db/schema/index.js";
import { readDecryptedExport } from "../../src/platform/blob-store.js";
import { readResult } from "../../src/requests/result.js";
import { researchEligibleConversations } from "../../src/fulfilment/research.js";
import { liftRestriction, notifyRestrictionLift } from "../../src/fulfilment/restrict.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { makeConversation } from "../support/factories.js";
import { actorOf, insertRequest, postForm, snapshot, staffAgent, world, type World } from "./helpers.js";
import { threadOf } from "../support/request-texts.js";
import { openedOutbox } from "../support/outbox.js";

describe("fulfilment: rectification, restriction, objection", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;
  beforeEach(async () => {
    ctx = await freshExportsContext();
    w = await world(ctx);
  });

  it("rectification of a profile field: old and new value in the audit log only, not in the notice or the thread", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "rectification", scope: "profile", details: { field: "displayName", value: "Corrected Name" } });
    const done = await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id);
    expect(done.status).to.equal("completed");
    const s = await subjectById(ctx.db, ctx.keys, w.subject.id);
    expect(s!.displayName).to.equal("Corrected Name");
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "subject.rectified"));
    // Issue 18: the values are sealed under the subject's key, never in the plain details.
    expect(audit!.details).to.deep.equal({ field: "displayName", reference: r.reference });
    expect(JSON.stringify(audit!.details)).to.not.include(w.secrets.name);
    expect(await openAuditPersonal(ctx.db, ctx.keys, audit!)).to.deep.equal({ old: w.secrets.name, new: "Corrected Name" });
    const [mail] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.requestId, r.id)));
    const [thread] = await threadOf(ctx, r.id);
    for (const text of [JSON.stringify(mail!.payload), thread!.body]) {
      expect(text).to.not.include("Corrected Name");
      expect(text).to.not.include(w.secrets.name);
    }
    expect(thread!.body).to.include("We corrected your name.");
    expect(readResult(done)!.rectification).to.deep.include({ fields: ["displayName"], statements: 0 });
  });

  it("an e-mail correction to an address someone else uses is refused and nothing is stored", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "rectification", scope: "profile", details: { field: "email", value: w.stranger.email! } });
    const before = await snapshot(ctx);
    const err = await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id).catch((e: unknown) => e);
    expect((err as { fieldErrors?: Record<string, string> }).fieldErrors).to.deep.equal({ _form: "fulfilment.errors.emailTaken" });
    expect(await snapshot(ctx)).to.deep.equal(before);
  });

  it("a statement is attached to the chosen conversations and shown in the staff transcript and the export", async () => {
    const statement = `What I meant was something else ${w.tag}`;
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "rectification", scope: "chosen_conversations", conversationIds: [w.second.id], details: { statement } });
    await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id);
    const [conv] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.second.id));
    expect((await readStatements(ctx.db, ctx.keys, conv!)).map((s) => s.body)).to.deep.equal([statement]);

    const app = buildApp(ctx);
    const dpo = await staffAgent(ctx, app, w, w.dpo.id);
    const page = await dpo.get(`/staff/conversations/${w.second.id}/transcript?requestId=${r.id}&purpose=${encodeURIComponent("Checking the statement")}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(statement).and.include("Statements from the requester");

    // The requester's own export carries it too (JSON of the conversation).
    const access = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "export", scope: "chosen_conversations", conversationIds: [w.second.id], status: "in_review" });
    expect((await postForm(dpo, `/staff/requests/${access.id}/approve`, { message: "" })).status).to.equal(303);
    expect((await postForm(dpo, `/staff/requests/${access.id}/review/release`, {})).status).to.equal(303);
    await runJobs(ctx);
    const [built] = await ctx.db.select().from(exports).where(eq(exports.requestId, access.id));
    const files = await unzip(await readDecryptedExport(ctx, built!));
    const json = [...files.entries()].find(([name]) => name.startsWith("conversations/") && name.endsWith(".json"));
    expect(JSON.parse(json![1].toString("utf8")).statements.map((s: { body: string }) => s.body)).to.deep.equal([statement]);
  });

  it("restriction: flags set, hidden from a reviewer, excluded from research; lifting only after the requester was told", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "restriction", scope: "all_conversations" });
    await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id);
    const [s] = await ctx.db.select().from(subjects).where(eq(subjects.id, w.subject.id));
    expect(s!.restrictedAt).to.be.instanceOf(Date);
    const restricted = await ctx.db.select().from(conversations).where(eq(conversations.subjectId, w.subject.id));
    expect(restricted.every((c) => c.restrictedAt !== null)).to.equal(true);
    const eligible = (await researchEligibleConversations(ctx.db, w.org.id)).map((c) => c.id);
    expect(eligible).to.deep.equal([w.foreign.id]);

    // Staff views other than the DPO's do not show the restricted profile or topics.
    const app = buildApp(ctx);
    const other = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "access", scope: "all_conversations", status: "in_review" });
    const reviewerPage = await (await staffAgent(ctx, app, w, w.reviewer.id)).get(`/staff/requests/${other.id}`);
    expect(reviewerPage.status).to.equal(200);
    expect(reviewerPage.text).to.not.include(w.secrets.email).and.not.include(w.secrets.name).and.not.include("Family");
    const dpoAgent = await staffAgent(ctx, app, w, w.dpo.id);
    const dpoPage = await dpoAgent.get(`/staff/requests/${other.id}`);
    expect(dpoPage.text).to.include(w.secrets.email).and.include("Family");

    // Lifting before telling the requester is refused (and nothing changes).
    const refused = await liftRestriction(ctx, actorOf(w.dpo), r.id).catch((e: unknown) => e);
    expect((refused as { fieldErrors?: Record<string, string> }).fieldErrors).to.deep.equal({ _form: "fulfilment.errors.notifyFirst" });
    expect((await postForm(dpoAgent, `/staff/requests/${r.id}/restriction/lift`, {})).status).to.equal(422);
    expect((await ctx.db.select().from(subjects).where(eq(subjects.id, w.subject.id)))[0]!.restrictedAt).to.not.equal(null);

    expect((await postForm(dpoAgent, `/staff/requests/${r.id}/restriction/notify-lift`, {})).status).to.equal(303);
    const [notice] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.requestId, r.id), eq(outbox.template, "restriction_lift_notice"))));
    expect(notice!.recipient).to.equal(w.secrets.email);
    expect(readResult((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!)!.restriction!.liftNotifiedAt).to.be.a("string");
    const requester = await signedInAgent(ctx, app, { orgId: w.org.id, subjectId: w.subject.id, email: w.secrets.email, host: `${w.org.slug}.test` });
    expect((await requester.get(`/requests/${r.reference}`)).text).to.include("we plan to stop restricting");

    expect((await postForm(dpoAgent, `/staff/requests/${r.id}/restriction/lift`, {})).status).to.equal(303);
    expect((await ctx.db.select().from(subjects).where(eq(subjects.id, w.subject.id)))[0]!.restrictedAt).to.equal(null);
    const lifted = await ctx.db.select().from(conversations).where(eq(conversations.subjectId, w.subject.id));
    expect(lifted.every((c) => c.restrictedAt === null)).to.equal(true);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "restriction.lifted"))).to.have.length(1);
    expect(await notifyRestrictionLift(ctx, actorOf(w.dpo), r.id).catch((e: unknown) => (e as { fieldErrors: unknown }).fieldErrors)).to.deep.equal({ _form: "fulfilment.errors.alreadyLifted" });
  });

  it("a crash after any step of a restriction or a rectification leaves every table as before", async () => {
    const restriction = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "restriction", scope: "all_conversations" });
    const rectification = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "rectification", scope: "chosen_conversations", conversationIds: [w.first.id], details: { statement: "Not what I meant" } });
    const before = await snapshot(ctx);
    const cases = [[restriction, ["started", "flags", "recipients", "notice", "completed"]], [rectification, ["started", "statements", "recipients", "notice", "completed"]]] as const;
    for (const [r, steps] of cases) {
      for (const step of steps) {
        const err = await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id, { faultAfter: step }).catch((e: unknown) => e);
        expect((err as Error).name, `${r.type} ${step}`).to.equal("InjectedFault");
        expect(await snapshot(ctx), `${r.type} after ${step}`).to.deep.equal(before);
      }
    }
    expect((await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, restriction.id)).status).to.equal("completed");
    expect((await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, rectification.id)).status).to.equal("completed");
  });

  it("research eligibility honours objection, withdrawn consent, per-conversation objection, restriction and erasure", async () => {
    const all = async () => (await researchEligibleConversations(ctx.db, w.org.id)).map((c) => c.id).sort();
    expect(await all()).to.deep.equal([w.first.id, w.second.id, w.held.id, w.foreign.id].sort());

    // A receipt-only requester objects for their one conversation.
    const anonymous = await makeConversation(ctx, w.org.id, { receiptCodeHash: `hash-${w.tag}` });
    const receiptObjection = await insertRequest(ctx, w.org, { receiptConversationId: anonymous.id, type: "objection", scope: "chosen_conversations", conversationIds: [anonymous.id] });
    await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, receiptObjection.id);
    expect((await ctx.db.select().from(conversations).where(eq(conversations.id, anonymous.id)))[0]!.researchObjectionAt).to.not.equal(null);
    expect(await all()).to.not.include(anonymous.id);

    // The stranger withdraws consent: their conversation leaves the research set.
    const withdraw = await insertRequest(ctx, w.org, { subjectId: w.stranger.id, type: "withdraw_consent", scope: "profile" });
    const done = await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, withdraw.id);
    expect(readResult(done)!.objection).to.deep.equal({ subjectFlag: "consent_withdrawn", conversationIds: [] });
    expect((await ctx.db.select().from(subjects).where(eq(subjects.id, w.stranger.id)))[0]!.consentWithdrawnAt).to.not.equal(null);
    expect(await all()).to.deep.equal([w.first.id, w.second.id, w.held.id].sort());

    // The subject objects to research use of one conversation, then of everything.
    const one = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "objection", scope: "chosen_conversations", conversationIds: [w.first.id] });
    await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, one.id);
    expect(await all()).to.deep.equal([w.second.id, w.held.id].sort());
    const everything = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "objection", scope: "all_conversations" });
    await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, everything.id);
    expect((await ctx.db.select().from(subjects).where(eq(subjects.id, w.subject.id)))[0]!.researchObjectionAt).to.not.equal(null);
    expect(await all()).to.deep.equal([]);

    // Erased conversations never count, even of people who did not object.
    const fresh = await makeConversation(ctx, w.org.id, {});
    expect(await all()).to.deep.equal([fresh.id]);
    await ctx.db.update(conversations).set({ erasedAt: ctx.clock.now(), dataKeyId: null }).where(eq(conversations.id, fresh.id));
    expect(await all()).to.deep.equal([]);
  });
});
