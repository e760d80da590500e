import crypto from "node:crypto";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { idProblems, parseHtml } from "../support/crawl.js";
import { buildApp } from "../../src/app.js";
import { auditLog, conversations, outbox, requestEvents, requests } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { openedOutbox } from "../support/outbox.js";

describe("requester journey over HTTP", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let subject: Awaited<ReturnType<typeof makeSubject>>;
  let convA: Awaited<ReturnType<typeof makeConversation>>;
  let convB: Awaited<ReturnType<typeof makeConversation>>;
  let agent: Agent;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-01-31T10:00:00Z");
    org = await makeOrg(ctx);
    subject = await makeSubject(ctx, org.id);
    convA = await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "Bullying" });
    convB = await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "Exams" });
    agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, subjectId: subject.id, email: subject.email, assurance: "account", host: `${org.slug}.test` });
  });

  async function post(path: string, form: Record<string, string | string[]>) {
    const token = await csrfFrom(agent, path);
    return agent.post(path).type("form").send({ ...form, _csrf: token });
  }

  it("files a police-transcript request step by step and shows the legal due date", async () => {
    await agent.get("/requests/new").expect(303);
    let res = await post("/requests/new/type", { type: "police_transcript" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/requests/new/conversations");
    const page = await agent.get("/requests/new/conversations").expect(200);
    expect(page.text).to.include("Bullying").and.include("Exams");
    expect(page.text).not.to.include("Hello, I need help");
    res = await post("/requests/new/conversations", { conversationIds: [convA.id] });
    expect(res.headers.location).to.equal("/requests/new/details");
    res = await post("/requests/new/details", { note: "For the police" });
    expect(res.headers.location).to.equal("/requests/new/check");
    const check = await agent.get("/requests/new/check").expect(200);
    expect(check.text).to.include("Check your answers").and.include("Bullying").and.not.include("Exams");
    res = await post("/requests/new/check", {});
    expect(res.status).to.equal(303);
    const confirmation = await agent.get(res.headers.location as string).expect(200);
    const reference = /RD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(confirmation.text)![0];
    // Received 31 Jan 2026 → 28 Feb 2026 is a Saturday → due Monday 2 March 2026.
    expect(confirmation.text).to.include("2 March 2026");

    const [row] = await ctx.db.select().from(requests).where(eq(requests.reference, reference));
    expect(row!.dueDate).to.equal("2026-03-02");
    expect(row!.conversationIds).to.deep.equal([convA.id]);
    expect(row!.assurance).to.equal("account");
    const events = await ctx.db.select().from(requestEvents).where(eq(requestEvents.requestId, row!.id));
    expect(events.map((e) => e.kind)).to.deep.equal(["submitted"]);
    const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.submitted"));
    expect(audits).to.have.length(1);
    const mails = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.requestId, row!.id)));
    expect(mails.map((m) => m.template)).to.deep.equal(["request_received"]);
    expect(JSON.stringify(mails[0]!.payload)).not.to.include("Bullying");
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("lets the requester say by when they need it: checked, shown on the check page with a Change link, stored as a date only", async () => {
    await agent.get("/requests/new").expect(303);
    await post("/requests/new/type", { type: "police_transcript" });
    await post("/requests/new/conversations", { conversationIds: [convA.id] });
    for (const [value, message] of [["2026-01-30", "must be today or later"], ["2026-02-30", "as a real date"], ["2027-03-01", "within a year"]] as const) {
      const bad = await post("/requests/new/details", { note: "Police on the 10th", neededBy: value });
      expect(bad.status, value).to.equal(422);
      expect(bad.text, value).to.include(message).and.include('href="#field-neededBy"').and.include("Police on the 10th");
    }
    const res = await post("/requests/new/details", { note: "", neededBy: "2026-02-10" });
    expect(res.headers.location).to.equal("/requests/new/check");
    const check = await agent.get("/requests/new/check").expect(200);
    expect(check.text).to.include("Needed by").and.include("10 February 2026").and.include('href="/requests/new/details#field-neededBy"');
    expect(idProblems({ document: parseHtml(check.text), form: "/requests/new/check" })).to.deep.equal([]);
    const back = await agent.get("/requests/new/details").expect(200);
    expect(back.text).to.include('value="2026-02-10"');
    const sent = await post("/requests/new/check", {});
    const reference = /RD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec((await agent.get(sent.headers.location as string)).text)![0];
    const [row] = await ctx.db.select().from(requests).where(eq(requests.reference, reference));
    expect(row!.neededBy).to.equal("2026-02-10");
    expect(row!.details).not.to.have.property("neededBy");
  });

  it("leads an identical open request to the existing one", async () => {
    const file = async () => {
      await post("/requests/new/type", { type: "access" });
      await post("/requests/new/scope", { scope: "all_conversations" });
      await post("/requests/new/details", { note: "" });
      return post("/requests/new/check", {});
    };
    const first = await file();
    const second = await file();
    expect(second.headers.location).to.match(/\?duplicate=1$/);
    expect(first.headers.location).to.include((second.headers.location as string).split("?")[0]!.slice("/requests/".length));
    expect(await ctx.db.select().from(requests)).to.have.length(1);
  });

  it("accepts only the requester's own conversations in this organization, and never shows another's topic", async () => {
    const other = await makeSubject(ctx, org.id);
    const theirs = await makeConversation(ctx, org.id, { subjectId: other.id, topic: "SECRET-their-topic" });
    const elsewhere = await makeOrg(ctx);
    const foreign = await makeConversation(ctx, elsewhere.id, { subjectId: (await makeSubject(ctx, elsewhere.id)).id, topic: "SECRET-foreign-topic" });
    const anonymous = await makeConversation(ctx, org.id, { receiptCodeHash: "x".repeat(64), topic: "SECRET-anonymous-topic" });
    const erased = await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "SECRET-erased-topic" });
    await ctx.db.update(conversations).set({ erasedAt: ctx.clock.now() }).where(eq(conversations.id, erased.id));
    await post("/requests/new/type", { type: "erasure" });
    await post("/requests/new/scope", { scope: "chosen_conversations" });
    for (const ids of [[theirs.id], [foreign.id], [anonymous.id], [erased.id], [convA.id, theirs.id], [crypto.randomUUID()]]) {
      const res = await post("/requests/new/conversations", { conversationIds: ids });
      expect(res.status, ids.join()).to.equal(422);
      expect(res.text).to.include("Choose only chats from the list").and.include('href="#field-conversationIds"');
      expect(res.text).not.to.match(/SECRET-/);
    }
    // Nothing of it was kept: the check page sends back to the choice, with no foreign topic.
    await post("/requests/new/details", {});
    const check = await agent.get("/requests/new/check").expect(200);
    expect(check.text).not.to.match(/SECRET-/);
    // A receipt code proves one conversation: no other can be added to it.
    agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, conversationId: anonymous.id, assurance: "receipt", host: `${org.slug}.test` });
    await post("/requests/new/type", { type: "access" });
    expect((await post("/requests/new/conversations", { conversationIds: [anonymous.id, theirs.id] })).status).to.equal(422);
    expect((await post("/requests/new/conversations", { conversationIds: [anonymous.id] })).status).to.equal(303);
    expect(await ctx.db.select().from(requests)).to.have.length(0);
  });

  it("leads the error of an empty conversation choice to the page's list, also when the list is empty", async () => {
    for (const who of [subject, await makeSubject(ctx, org.id)]) {
      agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, subjectId: who.id, email: who.email, assurance: "account" });
      await post("/requests/new/type", { type: "access" });
      await post("/requests/new/scope", { scope: "chosen_conversations" });
      const res = await post("/requests/new/conversations", {});
      expect(res.status).to.equal(422);
      expect(idProblems({ document: parseHtml(res.text), form: "/requests/new/conversations" })).to.deep.equal([]);
    }
  });

  it("checks the chosen conversations again at submit", async () => {
    await post("/requests/new/type", { type: "erasure" });
    await post("/requests/new/scope", { scope: "chosen_conversations" });
    expect((await post("/requests/new/conversations", { conversationIds: [convA.id] })).status).to.equal(303);
    await post("/requests/new/details", {});
    // Meanwhile the chat platform moved the conversation to another account.
    const other = await makeSubject(ctx, org.id);
    await ctx.db.update(conversations).set({ subjectId: other.id, topic: "SECRET-moved" }).where(eq(conversations.id, convA.id));
    const check = await agent.get("/requests/new/check").expect(200);
    expect(check.text).not.to.include("SECRET-moved");
    const submit = await post("/requests/new/check", {});
    expect(submit.status).to.equal(422);
    expect(submit.text).to.include("Choose only chats from the list").and.not.include("SECRET-moved");
    expect(await ctx.db.select().from(requests)).to.have.length(0);
  });

  it("shows a clear error next to a missing choice and a too long text", async () => {
    const res = await post("/requests/new/type", {});
    expect(res.status).to.equal(422);
    expect(res.text).to.include("error-summary").and.include("Choose what you want to ask for");
    await post("/requests/new/type", { type: "rectification" });
    await post("/requests/new/scope", { scope: "chosen_conversations" });
    await post("/requests/new/conversations", { conversationIds: [convB.id] });
    const long = await post("/requests/new/correction", { statement: "x".repeat(5001) });
    expect(long.status).to.equal(422);
    expect(long.text).to.include("Enter 5,000 characters or fewer");
    expect(await ctx.db.select().from(requests)).to.have.length(0);
  });

  it("lets the requester message staff, withdraw, and never see another person's request", async () => {
    await post("/requests/new/type", { type: "objection" });
    await post("/requests/new/scope", { scope: "all_conversations" });
    await post("/requests/new/details", {});
    const done = await post("/requests/new/check", {});
    const reference = /RD-[0-9A-Z-]+/.exec(done.headers.location as string)![0];
    const msg = await post(`/requests/${reference}`, {});
    expect(msg.status).to.be.oneOf([404, 405, 403]);
    const token = await csrfFrom(agent, `/requests/${reference}`);
    await agent.post(`/requests/${reference}/messages`).type("form").send({ _csrf: token, body: "Please hurry <b>now</b>" }).expect(303);
    const page = await agent.get(`/requests/${reference}`).expect(200);
    expect(page.text).to.include("Please hurry &lt;b&gt;now&lt;/b&gt;");
    const token2 = await csrfFrom(agent, `/requests/${reference}`);
    // First a page that says it cannot be undone; nothing changes until the requester confirms there.
    const ask = await agent.post(`/requests/${reference}/withdraw`).type("form").send({ _csrf: token2 }).expect(200);
    expect(ask.text).to.include("You cannot undo this").and.include('name="confirm" value="yes"').and.include(`href="/requests/${reference}"`);
    const [still] = await ctx.db.select().from(requests).where(eq(requests.reference, reference));
    expect(still!.status).to.equal("submitted");
    await agent.post(`/requests/${reference}/withdraw`).type("form").send({ _csrf: token2, confirm: "yes" }).expect(303);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.reference, reference));
    expect(row!.status).to.equal("withdrawn");

    const stranger = await makeSubject(ctx, org.id);
    const strangerAgent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, subjectId: stranger.id, email: stranger.email });
    await strangerAgent.get(`/requests/${reference}`).expect(404);
  });

  it("sends a signed-out visitor to sign in", async () => {
    const { default: request } = await import("supertest");
    const res = await request(buildApp(ctx)).get("/requests").expect(303);
    expect(res.headers.location).to.equal("/sign-in?next=%2Frequests");
  });
});
