import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog, outbox, requestEvents, requestMessages, requestNotes, requests, sessions } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { mayStartFulfilment } from "../../src/fulfilment/start-fulfilment.js";
import { makeRequest } from "./helpers.js";
import { threadOf } from "../support/request-texts.js";
import { openedOutbox } from "../support/outbox.js";

describe("staff decisions, detail and queue", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let subject: Awaited<ReturnType<typeof makeSubject>>;
  let app: ReturnType<typeof buildApp>;
  let dpo: Awaited<ReturnType<typeof makeStaff>>;
  let dpo2: Awaited<ReturnType<typeof makeStaff>>;
  let reviewer: Awaited<ReturnType<typeof makeStaff>>;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx);
    subject = await makeSubject(ctx, org.id, { locale: "fi" });
    dpo = await makeStaff(ctx, org.id, "dpo");
    dpo2 = await makeStaff(ctx, org.id, "dpo");
    reviewer = await makeStaff(ctx, org.id, "reviewer");
    app = buildApp(ctx);
  });

  const agentFor = (staffId: string) => signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId, host: `${org.slug}.test` });
  async function post(agent: Agent, path: string, form: Record<string, string>, page = "/staff") {
    const token = await csrfFrom(agent, page);
    return agent.post(path).type("form").send({ ...form, _csrf: token });
  }

  it("refuses a rejection without a reason (422) and stores nothing", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", locale: "fi" });
    const agent = await agentFor(dpo.id);
    const res = await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "manifestly_unfounded_or_excessive", reason: "  ", message: "x" });
    expect(res.status).to.equal(422);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("in_review");
    expect(row!.decision).to.equal(null);
    expect(await ctx.db.select().from(requestMessages)).to.have.length(0);
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox))).to.have.length(0);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.rejected"))).to.have.length(0);
  });

  it("rejects with ground and reason, tells of the authority and the court, queues the decision mail", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", locale: "en" });
    const agent = await agentFor(dpo.id);
    const res = await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "manifestly_unfounded_or_excessive", reason: "Fifth identical request this month.", message: "", confirm: "yes" });
    expect(res.status).to.equal(303);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("rejected");
    expect(row!.legalGround).to.equal("manifestly_unfounded_or_excessive");
    expect(row!.decidedBy).to.equal(dpo.id);
    const [msg] = await threadOf(ctx, r.id);
    expect(msg!.body).to.include("Art. 12(5)").and.include("Fifth identical request").and.include("Tietosuojavaltuutetun toimisto").and.include("court");
    const [mail] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.requestId, r.id)));
    expect(mail!.template).to.equal("decision");
    expect(mail!.payload).to.include.keys("reference", "outcome", "requestUrl", "orgName", "authorityName", "authorityUrl");
    expect(mail!.payload.outcome).to.equal("rejected");
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("asks for re-authentication before a rejection when the last one is older than 10 minutes", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await agentFor(dpo.id);
    ctx.clock.advance(11 * 60_000);
    const res = await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "art17_3_exception", reason: "Legal obligation to keep records.", confirm: "yes" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(/^\/staff\/reauth\?next=/);
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.status).to.equal("in_review");
    let reauth = await post(agent, "/staff/reauth", { password: "wrong", next: `/staff/requests/${r.id}` });
    expect(reauth.status).to.equal(422);
    reauth = await post(agent, "/staff/reauth", { password: "correct horse battery staple", next: `/staff/requests/${r.id}` });
    expect(reauth.headers.location).to.equal(`/staff/requests/${r.id}`);
    const again = await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "art17_3_exception", reason: "Legal obligation to keep records.", confirm: "yes" });
    expect(again.headers.location).to.equal(`/staff/requests/${r.id}?done=rejected`);
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.status).to.equal("rejected");
  });

  it("four-eyes: an erasure needs a second, different DPO before fulfilment may start", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", type: "erasure" });
    const a = await agentFor(dpo.id);
    // Each step is asked once more on a page that says what cannot be undone; nothing changes before.
    const ask = await post(a, `/staff/requests/${r.id}/approve`, { message: "We will erase it." });
    expect(ask.status).to.equal(200);
    expect(ask.text).to.include("Are you sure you want to approve the erasure").and.include("We will erase it.").and.include('name="confirm" value="yes"');
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.status).to.equal("in_review");
    expect((await post(a, `/staff/requests/${r.id}/approve`, { message: "", confirm: "yes" })).status).to.equal(303);
    let [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("approved");
    expect(row!.erasureApprovedBy).to.equal(dpo.id);
    expect(mayStartFulfilment(row!)).to.equal(false);
    expect((await post(a, `/staff/requests/${r.id}/confirm-erasure`, { confirm: "yes" })).status).to.equal(403);
    const rev = await agentFor(reviewer.id);
    expect((await post(rev, `/staff/requests/${r.id}/confirm-erasure`, { confirm: "yes" })).status).to.equal(403);
    [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.erasureConfirmedBy).to.equal(null);
    const b = await agentFor(dpo2.id);
    const last = await post(b, `/staff/requests/${r.id}/confirm-erasure`, {});
    expect(last.status).to.equal(200);
    expect(last.text).to.include("You cannot undo this").and.include(`href="/staff/requests/${r.id}"`);
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.erasureConfirmedBy).to.equal(null);
    expect((await post(b, `/staff/requests/${r.id}/confirm-erasure`, { confirm: "yes" })).status).to.equal(303);
    [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.erasureConfirmedBy).to.equal(dpo2.id);
    expect(mayStartFulfilment(row!)).to.equal(true);
    expect((await post(b, `/staff/requests/${r.id}/confirm-erasure`, { confirm: "yes" })).status).to.equal(409);
  });

  it("asking for identity pauses the clock and the reply resumes it, moving the effective due date", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await agentFor(dpo.id);
    expect((await post(agent, `/staff/requests/${r.id}/ask-identity`, {
      message: "Please confirm your e-mail.", doubtReason: "The request names chats from another city.", accountOverride: "1", accountOverrideReason: "The account password was reset yesterday.",
    })).status).to.equal(303);
    let [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("awaiting_identity");
    expect(row!.pausedSince).to.not.equal(null);
    ctx.clock.advance(10 * 86_400_000);
    const requester = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, email: subject.email, host: `${org.slug}.test` });
    const token = await csrfFrom(requester, `/requests/${r.reference}`);
    await requester.post(`/requests/${r.reference}/messages`).type("form").send({ _csrf: token, body: "Here it is" }).expect(303);
    [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("in_review");
    expect(row!.pausedDays).to.equal(10);
    expect(row!.effectiveDueDate > r.effectiveDueDate).to.equal(true);
    // Asking for other information does not pause.
    const ag2 = await agentFor(reviewer.id);
    expect((await post(ag2, `/staff/requests/${r.id}/ask-information`, { message: "Which chats?" })).status).to.equal(303);
    [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("awaiting_requester");
    expect(row!.pausedSince).to.equal(null);
  });

  describe("pausing for identity (Art. 12(6))", () => {
    const identityEvents = async (id: string) => (await ctx.db.select().from(requestEvents).where(eq(requestEvents.requestId, id)).orderBy(requestEvents.id)).filter((e) => e.kind !== "submitted");
    const nothingStored = async (id: string) => {
      const [row] = await ctx.db.select().from(requests).where(eq(requests.id, id));
      expect(row!.status).to.equal("in_review");
      expect(row!.pausedSince).to.equal(null);
      expect(await threadOf(ctx, id)).to.have.length(0);
      expect(await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.requestId, id)))).to.have.length(0);
      expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.identity_requested"))).to.have.length(0);
      expect(await identityEvents(id)).to.have.length(0);
    };

    it("needs a reason for the doubt, shown as a field error in the staff member's language, and stores nothing without it", async () => {
      const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", assurance: "email" });
      const agent = await agentFor(dpo.id);
      const res = await post(agent, `/staff/requests/${r.id}/ask-identity`, { message: "Please reply from the address you used in the chat.", doubtReason: "  odd " });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('href="#field-askIdentity-doubtReason"').and.include('id="field-askIdentity-doubtReason-error"').and.include("Say why you doubt the requester&#39;s identity");
      // What was typed is kept.
      expect(res.text).to.include("Please reply from the address you used in the chat.");
      await nothingStored(r.id);
      const huge = await post(agent, `/staff/requests/${r.id}/ask-identity`, { message: "Please reply.", doubtReason: "x".repeat(2001) });
      expect(huge.status).to.equal(422);
      expect(huge.text).to.include('href="#field-askIdentity-doubtReason"');
      await nothingStored(r.id);
      for (const [lang, text] of [["fi", "Kerro, miksi epäilet pyytäjän henkilöllisyyttä"], ["sv", "Ange varför du tvivlar"], ["nl", "Geef aan waarom je twijfelt"], ["et", "Kirjuta, miks sa taotleja isikus kahtled"]] as const) {
        const token = await csrfFrom(agent, "/staff");
        const localized = await agent.post(`/staff/requests/${r.id}/ask-identity`).set("Accept-Language", lang).type("form").send({ _csrf: token, message: "x" });
        expect(localized.status, lang).to.equal(422);
        expect(localized.text, lang).to.include(text);
      }
      await nothingStored(r.id);
    });

    it("pauses with the reason kept internal: an event staff see, the audit entry its length only, the requester neither", async () => {
      const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", assurance: "email", locale: "en" });
      const agent = await agentFor(dpo.id);
      const reason = "Chats named in the request took place while the subject was at school.";
      const res = await post(agent, `/staff/requests/${r.id}/ask-identity`, { message: "Please answer from the e-mail address you gave in the chat.", doubtReason: reason });
      expect(res.status).to.equal(303);
      const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      expect(row!.status).to.equal("awaiting_identity");
      expect(row!.pausedSince).to.not.equal(null);
      const events = await identityEvents(r.id);
      expect(events.map((e) => [e.kind, e.visibleToRequester, e.note])).to.deep.equal([
        ["identity_requested", 1, null],
        ["identity_doubt", 0, reason],
      ]);
      const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.identity_requested"));
      expect(entry!.details).to.deep.equal({ reference: r.reference, from: "in_review", to: "awaiting_identity", assurance: "email", doubtReasonLength: reason.length });
      expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
      // Staff see it on the timeline, marked internal; the requester's page and mail do not carry it.
      const page = await agent.get(`/staff/requests/${r.id}`);
      expect(page.text).to.include("Reason for doubting the identity").and.include(reason);
      const requester = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, email: subject.email, host: `${org.slug}.test` });
      const own = await requester.get(`/requests/${r.reference}`);
      expect(own.status).to.equal(200);
      expect(own.text).to.include("Please answer from the e-mail address you gave in the chat.");
      expect(own.text).to.not.include(reason);
      const [mail] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.requestId, r.id)));
      expect(JSON.stringify(mail!.payload)).to.not.include(reason);
    });

    it("refuses to pause for a requester signed in with their chat account unless staff confirm and say why", async () => {
      const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", assurance: "account" });
      const agent = await agentFor(dpo.id);
      const base = { message: "Please confirm the e-mail address of your account.", doubtReason: "Someone else may be using the account." };
      const page = await agent.get(`/staff/requests/${r.id}`);
      expect(page.text).to.include('id="field-askIdentity-accountOverride"').and.include('for="field-askIdentity-accountOverride"').and.include('id="field-askIdentity-accountOverrideReason"');

      let res = await post(agent, `/staff/requests/${r.id}/ask-identity`, base);
      expect(res.status).to.equal(422);
      expect(res.text).to.include('href="#field-askIdentity-accountOverride"').and.include('href="#field-askIdentity-accountOverrideReason"');
      expect(res.text).to.include("The requester signed in with their chat account. Tick the box");
      await nothingStored(r.id);

      res = await post(agent, `/staff/requests/${r.id}/ask-identity`, { ...base, accountOverride: "1", accountOverrideReason: "short" });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('href="#field-askIdentity-accountOverrideReason"');
      expect(res.text).to.not.include('href="#field-askIdentity-accountOverride"');
      expect(res.text).to.match(/id="field-askIdentity-accountOverride"[^>]* checked/);
      await nothingStored(r.id);

      res = await post(agent, `/staff/requests/${r.id}/ask-identity`, { ...base, accountOverrideReason: "The account's e-mail address was changed an hour before the request." });
      expect(res.status).to.equal(422);
      await nothingStored(r.id);

      const why = "The account's e-mail address was changed an hour before the request.";
      res = await post(agent, `/staff/requests/${r.id}/ask-identity`, { ...base, accountOverride: "1", accountOverrideReason: why });
      expect(res.status).to.equal(303);
      const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      expect(row!.status).to.equal("awaiting_identity");
      expect((await identityEvents(r.id)).map((e) => [e.kind, e.visibleToRequester, e.note])).to.deep.equal([
        ["identity_requested", 1, null],
        ["identity_doubt", 0, base.doubtReason],
        ["account_sign_in_overridden", 0, why],
      ]);
      const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.identity_requested"));
      expect(entry!.details).to.deep.include({ assurance: "account", accountSignInOverridden: true, overrideReasonLength: why.length, doubtReasonLength: base.doubtReason.length });
      expect(JSON.stringify(entry!.details)).to.not.include("changed an hour");
    });

    it("asks the same of a requester staff have already verified, and not of one known only by a receipt code", async () => {
      const verified = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", assurance: "staff_verified" });
      const byCode = await makeRequest(ctx, org, { subjectId: null, status: "in_review", assurance: "receipt" });
      const agent = await agentFor(dpo.id);
      const form = { message: "Please send the conversation code from your receipt.", doubtReason: "Two people claim the same conversation." };
      expect((await post(agent, `/staff/requests/${verified.id}/ask-identity`, form)).status).to.equal(422);
      expect((await post(agent, `/staff/requests/${byCode.id}/ask-identity`, form)).status).to.equal(303);
      const page = await agent.get(`/staff/requests/${byCode.id}`);
      expect(page.text).to.not.include('id="field-askIdentity-accountOverride"');
    });
  });

  it("extends with a reason before the first deadline", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await agentFor(dpo.id);
    expect((await post(agent, `/staff/requests/${r.id}/extend`, { reason: "" })).status).to.equal(422);
    expect((await post(agent, `/staff/requests/${r.id}/extend`, { reason: "Many conversations to review for third-party data.", kind: "complexity" })).status).to.equal(303);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.extendedDueDate).to.not.equal(null);
    expect(row!.effectiveDueDate).to.equal(row!.extendedDueDate);
  });

  it("shows the detail without content, keeps notes internal, and audits a transcript opened with a purpose", async () => {
    const conv = await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "Exams", messages: [{ body: "<script>alert(1)</script> secret words" }] });
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const rev = await agentFor(reviewer.id);
    let page = await rev.get(`/staff/requests/${r.id}`).expect(200);
    expect(page.text).to.include("Exams").and.not.include("secret words").and.not.include("Open transcript");
    await post(rev, `/staff/requests/${r.id}/notes`, { body: "Internal: check twice" }).then((x) => expect(x.status).to.equal(303));
    await post(rev, `/staff/requests/${r.id}/assign`, { assigneeId: "me" }).then((x) => expect(x.status).to.equal(303));
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.assigneeId).to.equal(reviewer.id);
    expect(await ctx.db.select().from(requestNotes)).to.have.length(1);
    const requester = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, email: subject.email, host: `${org.slug}.test` });
    const mine = await requester.get(`/requests/${r.reference}`).expect(200);
    expect(mine.text).not.to.include("Internal: check twice");
    // Reviewers may not open transcripts; the DPO must state a purpose.
    await rev.get(`/staff/conversations/${conv.id}/transcript?requestId=${r.id}`).expect(403);
    const d = await agentFor(dpo.id);
    page = await d.get(`/staff/conversations/${conv.id}/transcript?requestId=${r.id}`).expect(200);
    expect(page.text).to.include('name="purpose"').and.not.include("secret words");
    await d.get(`/staff/conversations/${conv.id}/transcript?requestId=${r.id}&purpose=`).expect(422);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "conversation.viewed"))).to.have.length(0);
    page = await d.get(`/staff/conversations/${conv.id}/transcript?requestId=${r.id}&purpose=${encodeURIComponent("Preparing the access package")}`).expect(200);
    expect(page.text).to.include("secret words").and.include("&lt;script&gt;").and.not.include("<script>alert");
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "conversation.viewed"));
    expect(entry!.details).to.deep.include({ purpose: "Preparing the access package", requestId: r.id });
    expect(entry!.subjectId).to.equal(subject.id);
    expect(entry!.actorId).to.equal(dpo.id);
  });

  it("lists the queue by due date with badges, filters, and keyset pages of 50", async () => {
    const base = new Date("2026-01-05T09:00:00Z").getTime();
    for (let i = 0; i < 60; i++) await makeRequest(ctx, org, { receivedAt: new Date(base + i * 86_400_000), type: i % 2 ? "erasure" : "access" });
    await makeRequest(ctx, org, { status: "completed" });
    const agent = await agentFor(reviewer.id);
    const first = await agent.get("/staff").expect(200);
    const refs = (html: string) => [...html.matchAll(/>(RD-[0-9A-Z]{4}-[0-9A-Z]{4})</g)].map((m) => m[1]!);
    expect(refs(first.text)).to.have.length(50);
    expect(first.text).to.include("Overdue").and.include("Due soon");
    const next = /href="([^"]*after=[^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, "&");
    const second = await agent.get(next).expect(200);
    expect(refs(second.text)).to.have.length(10);
    expect(refs(second.text).some((x) => refs(first.text).includes(x))).to.equal(false);
    const erasures = await agent.get("/staff?type=erasure").expect(200);
    expect(refs(erasures.text)).to.have.length(30);
    const overdue = await agent.get("/staff?overdue=1").expect(200);
    expect(refs(overdue.text).length).to.be.greaterThan(0).and.lessThan(50);
    const mine = await agent.get("/staff?mine=1").expect(200);
    expect(refs(mine.text)).to.have.length(0);
    void sessions; void requestEvents;
  });

  it("filters as overdue a request paused for identity only if it was overdue when the pause began", async () => {
    const received = new Date("2026-01-05T09:00:00Z");
    const pausedInTime = await makeRequest(ctx, org, { receivedAt: received, status: "awaiting_identity" });
    const pausedLate = await makeRequest(ctx, org, { receivedAt: received, status: "awaiting_identity" });
    const running = await makeRequest(ctx, org, { receivedAt: received, status: "in_review" });
    await ctx.db.update(requests).set({ pausedSince: new Date("2026-01-20T09:00:00Z") }).where(eq(requests.id, pausedInTime.id));
    await ctx.db.update(requests).set({ pausedSince: new Date("2026-02-20T09:00:00Z") }).where(eq(requests.id, pausedLate.id));
    ctx.clock.set(new Date("2026-03-01T09:00:00Z"));
    const agent = await agentFor(reviewer.id);
    const page = (await agent.get("/staff?overdue=1").expect(200)).text;
    expect(page).to.include(running.reference).and.include(pausedLate.reference);
    expect(page).to.not.include(pausedInTime.reference);
  });
});
