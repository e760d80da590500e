import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeStaff, makeSubject } from "../support/factories.js";
import { auditLog, complaints, outbox, requestMessages, requestNotices } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { complaintPaths } from "../../src/requests/complaint-paths.js";
import { requestStatusView } from "../../src/requests/status-view.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, postForm, reload, requesterAgent, staffAgent, type Org, type Staff, type Subject } from "./helpers.js";
import { threadOf } from "../support/request-texts.js";
import { sealedTexts } from "../support/request-texts.js";
import { openedOutbox } from "../support/outbox.js";

/** page first, as a person goes: the form's page, then where it posts. */
const send = (agent: Parameters<typeof postForm>[0], page: string, path: string, form: Record<string, string>) => postForm(agent, path, form, page);
const BODY = "I want to know why my chats were read by so many people.";

describe("complaints: grounds for late answers and handling in general; a DPO reopens a decision", () => {
  let ctx: TestContext;
  let org: Org;
  let subject: Subject;
  let dpo: Staff;
  let app: ReturnType<typeof buildApp>;
  beforeEach(async () => {
    ctx = await freshComplaintsContext();
    org = await countryOrg(ctx, "FI");
    subject = await makeSubject(ctx, org.id, { locale: "en" });
    dpo = await makeStaff(ctx, org.id, "dpo");
    app = buildApp(ctx);
  });

  it("offers grounds by state: handling always, overdue while open and late, a late answer even after it came", () => {
    expect(complaintPaths("submitted", false, "FI").grounds).to.deep.equal(["handling"]);
    expect(complaintPaths("in_review", true, "FI").grounds).to.deep.equal(["overdue", "handling"]);
    expect(complaintPaths("completed", false, "FI", true).grounds).to.deep.equal(["late_answer", "disputed", "handling"]);
    expect(complaintPaths("rejected", false, "FI", true).grounds).to.deep.equal(["rejected", "late_answer", "handling"]);
  });

  it("the status view finds an answer that came after the due date", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "completed", receivedAt: new Date("2026-01-05T09:00:00Z") });
    const late = { ...r, completedAt: new Date("2026-02-20T09:00:00Z") };
    expect(requestStatusView(late, org, ctx.clock.now()).complaintPaths.grounds).to.include("late_answer");
    const onTime = { ...r, completedAt: new Date("2026-02-02T09:00:00Z") };
    expect(requestStatusView(onTime, org, ctx.clock.now()).complaintPaths.grounds).to.not.include("late_answer");
  });

  it("a requester complains about the handling of their data while the request is still open", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await requesterAgent(ctx, app, org, subject);
    const page = await agent.get(`/requests/${r.reference}/complaint`);
    expect(page.text).to.include('value="handling"');
    const res = await send(agent, `/requests/${r.reference}/complaint`, `/requests/${r.reference}/complaints`, { grounds: "handling", body: BODY });
    expect(res.status).to.equal(303);
    const [c] = await ctx.db.select().from(complaints);
    expect(c!.grounds).to.equal("handling");
  });

  it("the DPO reopens a refused request from the complaint: back in review, audited, the requester told; a new decision can follow", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected", set: { decision: "rejected", legalGround: "manifestly_unfounded_or_excessive", ...(await sealedTexts(ctx, { orgId: org.id, subjectId: subject.id }, { decisionReason: "Too many requests." })), decidedAt: ctx.clock.now(), decidedBy: dpo.id } });
    const requester = await requesterAgent(ctx, app, org, subject);
    expect((await send(requester, `/requests/${r.reference}/complaint`, `/requests/${r.reference}/complaints`, { grounds: "rejected", body: BODY })).status).to.equal(303);
    const [c] = await ctx.db.select().from(complaints);
    const staff = await staffAgent(ctx, app, org, dpo);
    const show = await staff.get(`/staff/complaints/${c!.id}`);
    expect(show.text).to.include(`action="/staff/complaints/${c!.id}/reopen"`);
    const short = await send(staff, `/staff/complaints/${c!.id}`, `/staff/complaints/${c!.id}/reopen`, { reason: "no" });
    expect(short.status).to.equal(422);
    expect((await reload(ctx, r.id)).status).to.equal("rejected");
    const res = await send(staff, `/staff/complaints/${c!.id}`, `/staff/complaints/${c!.id}/reopen`, { reason: "The refusal was wrong: one request a year is never excessive." });
    expect(res.status).to.equal(303);
    const row = await reload(ctx, r.id);
    expect(row).to.deep.include({ status: "in_review", decision: null, legalGround: null });
    const [after] = await ctx.db.select().from(complaints).where(eq(complaints.id, c!.id));
    expect(after!.reopenedBy).to.equal(dpo.id);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.reopened"));
    expect(entry!.details).to.deep.include({ from: "rejected", to: "in_review", complaintReference: c!.reference, previousDecision: "rejected" });
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
    const messages = await threadOf(ctx, r.id);
    expect(messages.map((m) => m.body).join("\n")).to.include("one request a year is never excessive");
    expect((await ctx.db.select().from(requestNotices).where(eq(requestNotices.requestId, r.id))).map((n) => n.kind)).to.include("reopened");
    expect((await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "decision")))).map((m) => m.payload.outcome)).to.include("reopened");
    // The DPO decides again.
    expect((await send(staff, `/staff/requests/${r.id}`, `/staff/requests/${r.id}/approve`, { message: "" })).status).to.equal(303);
    expect((await reload(ctx, r.id)).decision).to.equal("approved");
    // Reopening twice from the same complaint is refused.
    expect((await send(staff, `/staff/complaints/${c!.id}`, `/staff/complaints/${c!.id}/reopen`, { reason: "Again, for no reason at all." })).status).to.equal(409);
  });
});
