import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { exports, requests } from "../../src/db/schema/index.js";
import { makeRequest } from "./helpers.js";

/** The text of the first element with this class (tags stripped, spaces folded). */
function textOf(html: string, pattern: RegExp): string {
  const m = pattern.exec(html);
  return m ? m[1]!.replace(/<[^>]+>/g, " ").replace(/&#39;/g, "'").replace(/\s+/g, " ").trim() : "";
}
const summaryCard = (html: string) => textOf(html, /<section class="summary-card"[^>]*>([\s\S]*?)<\/section>/);
const banner = (html: string) => textOf(html, /<div class="banner-success" role="alert"[^>]*>([\s\S]*?)<\/div>/);
const decisionRadios = (html: string) => [...html.matchAll(/name="decision" value="(\w+)"/g)].map((m) => m[1]);

describe("the staff case page: summary card, one Decide section, a banner after every action", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let app: ReturnType<typeof buildApp>;
  let dpo: Awaited<ReturnType<typeof makeStaff>>;
  let dpo2: Awaited<ReturnType<typeof makeStaff>>;
  let reviewer: Awaited<ReturnType<typeof makeStaff>>;
  let subject: Awaited<ReturnType<typeof makeSubject>>;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx);
    subject = await makeSubject(ctx, org.id, { locale: "en" });
    dpo = await makeStaff(ctx, org.id, "dpo", { name: "Dana Protector" });
    dpo2 = await makeStaff(ctx, org.id, "dpo", { name: "Second Pair" });
    reviewer = await makeStaff(ctx, org.id, "reviewer", { name: "Rita Reviewer" });
    app = buildApp(ctx);
  });
  const agentFor = (staffId: string) => signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId, host: `${org.slug}.test` });
  async function post(agent: Agent, path: string, form: Record<string, string>, page: string) {
    return agent.post(path).type("form").send({ ...form, _csrf: await csrfFrom(agent, page) });
  }

  it("sums the case up at the top: type, scope, due with days left, assurance, assignee, urgency and whose move it is", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", type: "access", scope: "all_conversations", assurance: "email" });
    await ctx.db.update(requests).set({ assigneeId: dpo.id, neededBy: "2026-03-10" }).where(eq(requests.id, r.id));
    const card = summaryCard((await (await agentFor(dpo.id)).get(`/staff/requests/${r.id}`)).text);
    expect(card).to.include("A copy of their data").and.include("Everything").and.include("days left")
      .and.include("E-mail").and.include("Dana Protector").and.include("10 March 2026").and.include("Waiting for You");
    // Assigned to someone else, the move is theirs.
    expect(summaryCard((await (await agentFor(dpo2.id)).get(`/staff/requests/${r.id}`)).text)).to.include("Dana Protector, the assignee");
  });

  it("says when the case waits for the requester, and for a second DPO on an approved erasure (which is that DPO's move)", async () => {
    const waiting = await makeRequest(ctx, org, { subjectId: subject.id, status: "awaiting_requester" });
    expect(summaryCard((await (await agentFor(dpo.id)).get(`/staff/requests/${waiting.id}`)).text)).to.include("Waiting for The requester");
    const erasure = await makeRequest(ctx, org, { subjectId: subject.id, status: "approved", type: "erasure", erasureApprovedBy: dpo.id });
    expect(summaryCard((await (await agentFor(dpo.id)).get(`/staff/requests/${erasure.id}`)).text)).to.include("A second DPO to confirm the erasure");
    const second = (await (await agentFor(dpo2.id)).get(`/staff/requests/${erasure.id}`)).text;
    expect(summaryCard(second)).to.include("Waiting for You");
    expect(second).to.include('action="/staff/requests/' + erasure.id + '/confirm-erasure"');
  });

  it("offers in one radio group only the decisions the staff member's role and the status allow, each revealing its own form", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const asDpo = (await (await agentFor(dpo.id)).get(`/staff/requests/${r.id}`)).text;
    expect(decisionRadios(asDpo)).to.deep.equal(["approve", "askInfo", "askIdentity", "reject", "extend"]);
    for (const o of ["approve", "askInfo", "askIdentity", "reject", "extend"]) expect(asDpo).to.include(`aria-controls="decide-panel-${o}"`).and.include(`id="decide-panel-${o}"`);
    // A reviewer prepares: only the question to the requester.
    expect(decisionRadios((await (await agentFor(reviewer.id)).get(`/staff/requests/${r.id}`)).text)).to.deep.equal(["askInfo"]);
    // Submitted: no approval before the review has started.
    const fresh = await makeRequest(ctx, org, { subjectId: subject.id, status: "submitted" });
    expect(decisionRadios((await (await agentFor(dpo.id)).get(`/staff/requests/${fresh.id}`)).text)).to.deep.equal(["askIdentity", "reject", "extend"]);
    // Closed: nothing to decide.
    const done = await makeRequest(ctx, org, { subjectId: subject.id, status: "completed" });
    expect(decisionRadios((await (await agentFor(dpo.id)).get(`/staff/requests/${done.id}`)).text)).to.deep.equal([]);
  });

  it("shows a success banner after every action, from a closed list of outcomes (never text from the address)", async () => {
    const staff = await agentFor(dpo.id);
    const conv = await makeConversation(ctx, org.id, { subjectId: subject.id });
    await staff.get("/staff");
    const acts: [string, string, Record<string, string>, string][] = [
      ["submitted", "assign", { assigneeId: "me" }, "The assignee is saved."],
      ["submitted", "notes", { body: "Called the helpline lead." }, "Your internal note is saved."],
      ["submitted", "messages", { body: "We have your request." }, "Your message was sent to the requester."],
      ["submitted", "start-review", {}, "The review has started."],
      ["in_review", "ask-information", { message: "Which evening was it?" }, "Your question was sent to the requester."],
      ["in_review", "extend", { reason: "Three years of chats.", kind: "complexity" }, "The deadline is extended"],
      ["in_review", "ask-identity", { message: "Tell us the first words you wrote.", doubtReason: "The code was shared." }, "asked to prove their identity"],
      ["in_review", "approve", { message: "Approved." }, "The request is approved."],
      ["in_review", "reject", { legalGround: "manifestly_unfounded_or_excessive", reason: "The sixth identical request this month.", confirm: "yes" }, "The request is refused."],
      ["in_review", "identity-check", { method: "video_call" }, "Your identity check is recorded."],
    ];
    for (const [status, action, form, text] of acts) {
      const r = await makeRequest(ctx, org, { subjectId: subject.id, status, conversationIds: [conv.id], assurance: "email" });
      const at = `/staff/requests/${r.id}`;
      const res = await post(staff, `${at}/${action}`, form, at);
      expect(res.status, `${action}: ${res.text?.slice(0, 2000).replace(/\s+/g, " ")}`).to.equal(303);
      expect(res.headers.location, action).to.match(new RegExp(`^${at}\\?done=\\w+(#\\w+)?$`));
      const page = await staff.get(res.headers.location!.split("#")[0]!);
      expect(banner(page.text), action).to.include(text);
    }
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    expect(banner((await staff.get(`/staff/requests/${r.id}`)).text)).to.equal("");
    expect(banner((await staff.get(`/staff/requests/${r.id}?done=%3Cscript%3Ealert(1)%3C/script%3E`)).text)).to.equal("");
  });

  it("leads back to the queue with the filters it was opened from, through every action, and keeps only what the queue accepts", async () => {
    const staff = await agentFor(dpo.id);
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const queue = await staff.get("/staff?status=in_review&type=access");
    expect(queue.text).to.include(`/staff/requests/${r.id}?queue=status%3Din_review%26type%3Daccess`);
    const at = `/staff/requests/${r.id}?queue=status%3Din_review%26type%3Daccess`;
    const page = (await staff.get(at)).text;
    expect(page).to.include('<a class="back-link" href="/staff?status=in_review&amp;type=access">');
    const res = await post(staff, `/staff/requests/${r.id}/notes`, { body: "Checked.", queue: "status=in_review&type=access" }, at);
    expect(res.headers.location).to.equal(`/staff/requests/${r.id}?done=noteAdded&queue=status%3Din_review%26type%3Daccess#notes`);
    // Anything else in it is dropped: the link only ever goes to the queue.
    const hostile = (await staff.get(`/staff/requests/${r.id}?queue=${encodeURIComponent('status=bogus&x="><script>&q=a"b')}`)).text;
    expect(hostile).to.include('<a class="back-link" href="/staff?q=a%22b">').and.not.include("<script>&");
    expect((await staff.get(`/staff/requests/${r.id}`)).text).to.include('<a class="back-link" href="/staff">');
  });

  it("puts the ready package first on the requester's page: name, format and size, then where to complain; the thread stays open after completion", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "completed", locale: "fi" });
    const requester = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, host: `${org.slug}.test` });
    let page = (await requester.get(`/requests/${r.reference}`)).text;
    expect(page).to.not.include('id="result"');
    await ctx.db.insert(exports).values({
      orgId: org.id, requestId: r.id, kind: "access_zip", status: "ready", fileName: `${r.reference}-data.zip`, sizeBytes: 1_450_000,
      readyAt: ctx.clock.now(), expiresAt: new Date(ctx.clock.now().getTime() + 7 * 86_400_000),
    });
    page = (await requester.get(`/requests/${r.reference}`)).text;
    const result = textOf(page, /<div class="banner-success" role="alert" aria-labelledby="result-title" id="result">([\s\S]*?)How to complain/);
    expect(result).to.include("Your data is ready").and.include(`${r.reference}-data.zip`).and.include("ZIP file").and.match(/1\.\d MB/);
    expect(page.indexOf('id="result"')).to.be.below(page.indexOf("summary-list", page.indexOf("</div>", page.indexOf('id="result"')) + 1));
    expect(page).to.include('href="/how-to-complain"').and.include(`action="/requests/${r.reference}/messages"`);
    // In Finnish, the unit is Finnish.
    page = (await requester.get(`/requests/${r.reference}?lang=fi`)).text;
    expect(page).to.include("Tietosi ovat valmiina").and.match(/1,\d Mt/);
    // A completed request still takes a message.
    const sent = await post(requester, `/requests/${r.reference}/messages`, { body: "One chat is missing." }, `/requests/${r.reference}`);
    expect(sent.status).to.equal(303);
  });
});
