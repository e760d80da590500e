import { openOne } from "../../src/complaints/complaint-texts.js";
import { expect } from "chai";
import request from "supertest";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeStaff, makeSubject } from "../support/factories.js";
import type { Agent } from "../support/http.js";
import { auditLog, complaints, outbox, requestEvents } from "../../src/db/schema/index.js";
import { renderMail } from "../../src/mail/render.js";
import type { MailTemplates, TemplateName } from "../../src/mail/templates.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { dueDate } from "../../src/requests/deadlines.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, postForm, requesterAgent, staffAgent, type Org, type Staff, type Subject } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

const COMPLAINT = "You refused my request without looking at it. SENTINEL-complaint-text-4e1";
const ANSWER = "We checked again: the refusal was wrong. We will send your copy this week. SENTINEL-answer-9b2";

describe("complaints: to the DPO, the answer, and the step to the authority", () => {
  let ctx: TestContext;
  let org: Org;
  let subject: Subject;
  let dpo: Staff;
  let dpo2: Staff;
  let app: ReturnType<typeof buildApp>;

  beforeEach(async () => {
    ctx = await freshComplaintsContext();
    org = await countryOrg(ctx, "NL");
    subject = await makeSubject(ctx, org.id, { locale: "nl" });
    dpo = await makeStaff(ctx, org.id, "dpo", { name: "Dora Private-Name", locale: "nl" });
    dpo2 = await makeStaff(ctx, org.id, "dpo");
    app = buildApp(ctx);
  });

  const complaintPage = (reference: string) => `/requests/${reference}/complaint`;
  async function fileVia(agent: Agent, reference: string, form: Record<string, string>) {
    return postForm(agent, `/requests/${reference}/complaints`, form, complaintPage(reference));
  }
  const mailsTo = (template: string) => openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, template)));

  it("files a complaint about a refused request: stored with a reference and a one-month due date, event and audit, mails without its text", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected", locale: "nl", set: { decision: "rejected", decidedAt: ctx.clock.now() } });
    ctx.clock.set("2026-03-31T10:00:00Z");
    const agent = await requesterAgent(ctx, app, org, subject);
    const res = await fileVia(agent, r.reference, { grounds: "rejected", body: `  ${COMPLAINT}\r\n` });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/requests/${r.reference}/complaint?sent=complaint#complaints`);

    const [sealed] = await ctx.db.select().from(complaints).where(eq(complaints.requestId, r.id));
    // Issue 18: the text is sealed under the requester's key, never stored readable.
    expect(sealed!.bodyEnc!.toString("latin1")).to.not.include(COMPLAINT);
    const c = await openOne(ctx.db, ctx.keys, sealed);
    expect(c!.reference).to.match(/^CP-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(c!).to.deep.include({ orgId: org.id, grounds: "rejected", body: COMPLAINT, status: "open", answer: null });
    // 31 March + one month = 30 April (no 31st), on the Dutch calendar; 30 April 2026 is a Thursday.
    expect(c!.dueDate).to.equal("2026-04-30").and.equal(dueDate(ctx.clock.now(), "NL", org.timeZone));

    const [event] = await ctx.db.select().from(requestEvents).where(and(eq(requestEvents.requestId, r.id), eq(requestEvents.kind, "complaint_filed")));
    expect(event!).to.deep.include({ actorType: "subject", actorId: subject.id, note: c!.reference, visibleToRequester: 1 });
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "complaint.filed"));
    expect(audit!).to.deep.include({ orgId: org.id, targetType: "complaint", targetId: c!.id, subjectId: subject.id });
    expect(JSON.stringify(audit!.details)).to.not.include("SENTINEL");
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);

    const [toRequester] = await mailsTo("complaint_received");
    expect(toRequester!).to.deep.include({ recipient: subject.email, locale: "nl" });
    const toDpos = await mailsTo("staff_escalation");
    expect(toDpos.map((m) => m.recipient).sort()).to.deep.equal([dpo.email, dpo2.email].sort());
    expect(toDpos.find((m) => m.recipient === dpo.email)!.payload.requestUrl).to.equal(`${ctx.config.BASE_URL}/staff/complaints/${c!.id}`);
    for (const m of [toRequester!, ...toDpos]) {
      const mail = await renderMail(m.template as TemplateName, m.locale, m.payload as unknown as MailTemplates[TemplateName]);
      const all = `${mail.subject}\n${mail.text}\n${mail.html}`;
      expect(all).to.include(c!.reference);
      expect(all).to.not.include("SENTINEL").and.not.include(subject.email!).and.not.include("Dora");
    }

    // The requester sees it on the complaint page and on the request's timeline.
    const page = await agent.get(`/requests/${r.reference}/complaint?lang=en`).expect(200);
    expect(page.text).to.include(c!.reference).and.include("SENTINEL-complaint-text-4e1").and.include("Answer by 30 April 2026");
    const requestPage = await agent.get(`/requests/${r.reference}?lang=en`).expect(200);
    expect(requestPage.text).to.include("You complained to our data protection officer");
  });

  it("refuses bad input with a localized error beside the field, and stores nothing", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected" });
    const agent = await requesterAgent(ctx, app, org, subject);
    const page = complaintPage(r.reference);
    const cases: [Record<string, string>, string, string][] = [
      [{ grounds: "rejected", body: "   " }, "body", "Vertel ons wat er mis is."],
      [{ grounds: "rejected", body: "Too short" }, "body", "Schrijf iets meer"],
      [{ grounds: "rejected", body: "x".repeat(4001) }, "body", "Gebruik maximaal 4.000 tekens"],
      [{ body: COMPLAINT }, "grounds", "Kies waarom je een klacht hebt."],
      [{ grounds: "bogus", body: COMPLAINT }, "grounds", "Kies waarom je een klacht hebt."],
      [{ grounds: "overdue", body: COMPLAINT }, "grounds", "Deze reden past nu niet bij je verzoek."],
      [{ grounds: "rejected", body: `${COMPLAINT}\u0007` }, "body", "tekens die we niet kunnen opslaan"],
    ];
    for (const [form, field, message] of cases) {
      const token = await (async () => {
        const res = await agent.get(`${page}?lang=nl`);
        return /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;
      })();
      const res = await agent.post(`/requests/${r.reference}/complaints`).type("form").send({ ...form, _csrf: token });
      expect(res.status, JSON.stringify(form)).to.equal(422);
      expect(res.text, JSON.stringify(form)).to.include(`id="field-${field}-error"`).and.include(message);
    }
    expect(await ctx.db.select().from(complaints)).to.have.length(0);
    expect(await ctx.db.select().from(requestEvents).where(eq(requestEvents.kind, "complaint_filed"))).to.have.length(0);
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox))).to.have.length(0);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "complaint.filed"))).to.have.length(0);
  });

  it("offers a complaint about a refusal, delay or answer only when there is one (the handling in general always); one open complaint at a time", async () => {
    const pending = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await requesterAgent(ctx, app, org, subject);
    let page = await agent.get(`${complaintPage(pending.reference)}?lang=en`).expect(200);
    expect(page.text).to.include('value="handling"').and.not.include('value="overdue"').and.not.include('value="rejected"');
    const early = await fileVia(agent, pending.reference, { grounds: "overdue", body: COMPLAINT });
    expect(early.status).to.equal(422);
    expect(early.text).to.include("This reason does not fit your request right now");

    const completed = await insertRequest(ctx, org, { subjectId: subject.id, status: "completed", set: { completedAt: ctx.clock.now() } });
    page = await agent.get(`${complaintPage(completed.reference)}?lang=en`).expect(200);
    expect(page.text).to.include('value="disputed"').and.not.include('value="rejected"');
    expect((await fileVia(agent, completed.reference, { grounds: "disputed", body: COMPLAINT })).status).to.equal(303);
    const again = await fileVia(agent, completed.reference, { grounds: "disputed", body: COMPLAINT });
    expect(again.status).to.equal(422);
    expect(again.text).to.include("You already have a complaint about this request that is waiting for an answer.");
    expect(await ctx.db.select().from(complaints)).to.have.length(1);
  });

  it("another requester's request is not found, and anonymous visitors are sent to sign in", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected" });
    const stranger = await makeSubject(ctx, org.id);
    const other = await requesterAgent(ctx, app, org, stranger);
    const res = await other.get(`${complaintPage(r.reference)}?lang=en`).expect(404);
    expect(res.text).to.not.include("Complain about request").and.not.include("Refused");
    const token = /name="_csrf" value="([^"]+)"/.exec((await other.get("/requests")).text)![1]!;
    for (const path of ["complaints", "escalation", "dossier"]) {
      await other.post(`/requests/${r.reference}/${path}`).type("form").send({ grounds: "rejected", body: COMPLAINT, confirm: "yes", _csrf: token }).expect(404);
    }
    const anonymous = await request(app).get(complaintPage(r.reference)).set("Host", `${org.slug}.test`).expect(303);
    expect(anonymous.headers.location).to.match(/^\/sign-in\?next=/);
    expect(await ctx.db.select().from(complaints)).to.have.length(0);
  });

  it("the DPO sees it in the queue with its due date, answers it, and the answer reaches the requester", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected", locale: "en" });
    const requester = await requesterAgent(ctx, app, org, subject);
    await fileVia(requester, r.reference, { grounds: "rejected", body: COMPLAINT });
    const [c] = await ctx.db.select().from(complaints);

    let staff = await staffAgent(ctx, app, org, dpo);
    const queue = await staff.get("/staff/complaints?lang=en").expect(200);
    expect(queue.text).to.include(c!.reference).and.include(r.reference).and.include("2 April 2026").and.include("31 days left");
    const detail = await staff.get(`/staff/complaints/${c!.id}?lang=en`).expect(200);
    expect(detail.text).to.include("SENTINEL-complaint-text-4e1").and.include("Complaint filed").and.include("Requester");

    const short = await postForm(staff, `/staff/complaints/${c!.id}/answer`, { answer: "No." }, `/staff/complaints/${c!.id}`);
    expect(short.status).to.equal(422);
    expect(short.text).to.include('id="field-answer-error"');
    ctx.clock.advance(3 * 86_400_000);
    staff = await staffAgent(ctx, app, org, dpo); // sessions last an hour
    const ok = await postForm(staff, `/staff/complaints/${c!.id}/answer`, { answer: ANSWER }, `/staff/complaints/${c!.id}`);
    expect(ok.status).to.equal(303);

    const answered = await openOne(ctx.db, ctx.keys, (await ctx.db.select().from(complaints).where(eq(complaints.id, c!.id)))[0]);
    expect(answered!).to.deep.include({ status: "answered", answer: ANSWER, answeredBy: dpo.id });
    expect(await ctx.db.select().from(requestEvents).where(eq(requestEvents.kind, "complaint_answered"))).to.have.length(1);
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "complaint.answered"));
    expect(audit!.details).to.deep.include({ onTime: true, complaintReference: c!.reference });
    const [mail] = await mailsTo("complaint_answered");
    expect(mail!.recipient).to.equal(subject.email);
    const rendered = await renderMail("complaint_answered", mail!.locale, mail!.payload as unknown as MailTemplates["complaint_answered"]);
    expect(rendered.text).to.include("Sign in").and.include(`/requests/${r.reference}/complaint`).and.not.include("SENTINEL");

    const page = await (await requesterAgent(ctx, app, org, subject)).get(`${complaintPage(r.reference)}?lang=en`).expect(200);
    expect(page.text).to.include("SENTINEL-answer-9b2").and.include("Answered");
    expect(page.text).to.not.include("Dora");
    // One answer per complaint.
    await postForm(staff, `/staff/complaints/${c!.id}/answer`, { answer: ANSWER }, `/staff/complaints/${c!.id}`).then((res) => expect(res.status).to.equal(403));
  });

  it("records the step to the authority once, tells each DPO, and counts it on the dashboard", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected" });
    const agent = await requesterAgent(ctx, app, org, subject);
    await fileVia(agent, r.reference, { grounds: "rejected", body: COMPLAINT });

    const unconfirmed = await postForm(agent, `/requests/${r.reference}/escalation`, {}, complaintPage(r.reference));
    expect(unconfirmed.status).to.equal(422);
    expect(unconfirmed.text).to.include('id="field-confirm-error"');
    const res = await postForm(agent, `/requests/${r.reference}/escalation`, { confirm: "yes" }, complaintPage(r.reference));
    expect(res.status).to.equal(303);
    await postForm(agent, `/requests/${r.reference}/escalation`, { confirm: "yes" }, complaintPage(r.reference));

    const [c] = await ctx.db.select().from(complaints);
    expect(c!.status).to.equal("escalated");
    expect(c!.escalatedAt).to.not.equal(null);
    const events = await ctx.db.select().from(requestEvents).where(eq(requestEvents.kind, "complaint_escalated"));
    expect(events).to.have.length(1);
    expect(events[0]!.note).to.equal("Autoriteit Persoonsgegevens (AP)");
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "complaint.escalated"))).to.have.length(1);
    const mails = await mailsTo("staff_complaint_escalated");
    expect(mails.map((m) => m.recipient).sort()).to.deep.equal([dpo.email, dpo2.email].sort());
    expect(mails.find((m) => m.recipient === dpo.email)!.locale).to.equal("nl");
    expect(mails[0]!.payload.authorityName).to.equal("Autoriteit Persoonsgegevens (AP)");

    // Straight to the authority about an overdue request: a complaint item already escalated, for the DPO's queue.
    const late = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    ctx.clock.set("2026-04-10T10:00:00Z");
    const later = await requesterAgent(ctx, app, org, subject);
    expect((await postForm(later, `/requests/${late.reference}/escalation`, { confirm: "yes" }, complaintPage(late.reference))).status).to.equal(303);
    const direct = await openOne(ctx.db, ctx.keys, (await ctx.db.select().from(complaints).where(eq(complaints.requestId, late.id)))[0]);
    expect(direct!).to.deep.include({ status: "escalated", grounds: "overdue", body: "" });

    const staff = await staffAgent(ctx, app, org, dpo);
    const dashboard = await staff.get("/staff/dashboard?lang=en").expect(200);
    const block = dashboard.text.slice(dashboard.text.indexOf('id="complaints"'));
    expect(block).to.match(/Not answered yet<\/dt><dd>2\b/);
    // The first complaint was due on 2 April and is still unanswered on 10 April.
    expect(block).to.match(/Answer overdue<\/dt><dd>1\b/);
    expect(block).to.match(/Taken to the supervisory authority \(last 90 days\)<\/dt><dd>2\b/);
    const queue = await staff.get("/staff/complaints?status=escalated&lang=en").expect(200);
    expect(queue.text).to.include(c!.reference).and.include(direct!.reference);
  });
});
