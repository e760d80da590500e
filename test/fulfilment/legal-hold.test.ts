import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { buildApp } from "../../src/app.js";
import { auditLog, conversations, outbox, sessions } from "../../src/db/schema/index.js";
import { renewLegalHold, setLegalHold } from "../../src/fulfilment/legal-hold.js";
import { sendDpoDigests } from "../../src/requests/staff-reminders.js";
import { renderMail } from "../../src/mail/render.js";
import type { MailTemplates } from "../../src/mail/templates.js";
import { actorOf, insertRequest, postForm, staffAgent, world, type World } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

const DAY = 86_400_000;

describe("fulfilment: legal hold review date, renew and lift, and the banner after each action", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let w: World;
  /** A local date (the world's organization is in Helsinki) this many days after the test clock's today. */
  const inDays = (n: number) => new Date(ctx.clock.now().getTime() + n * DAY).toLocaleDateString("en-CA", { timeZone: w.org.timeZone });

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    w = await world(ctx);
  });

  const erasure = () => insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "in_review" });
  const held = async () => (await ctx.db.select().from(conversations).where(eq(conversations.id, w.held.id)))[0]!;
  const audits = (action: string) => ctx.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.orgId, w.org.id)));

  it("a hold without a review date is refused next to the field and nothing is stored", async () => {
    const r = await erasure();
    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    const res = await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold`, { reason: "police_report", reviewOn: "" });
    expect(res.status).to.equal(422);
    expect(res.text).to.match(/<p class="error-message" id="field-hold-reviewOn-error">[\s\S]*?Enter the date by which the hold must be reviewed/);
    expect(res.text).to.include('href="#field-hold-reviewOn"').and.include('id="field-hold-reviewOn"');
    expect(res.text).to.include('value="police_report" selected');
    expect((await held()).legalHoldAt).to.equal(null);
    expect(await audits("conversation.legal_hold_set")).to.have.length(0);
  });

  it("a review date today, in the past, more than 12 months ahead or not a date is refused beside the field", async () => {
    const r = await erasure();
    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    for (const [reviewOn, message] of [[inDays(0), "must be after today"], [inDays(-3), "must be after today"], ["2027-03-03", "at most 12 months"], ["2026-02-30", "as a real date"]] as const) {
      const res = await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold`, { reason: "police_report", reviewOn });
      expect(res.status, reviewOn).to.equal(422);
      expect(res.text, reviewOn).to.include("field-hold-reviewOn-error").and.include(message);
    }
    expect((await held()).legalHoldAt).to.equal(null);
    // Exactly 12 months ahead is allowed.
    expect((await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold`, { reason: "police_report", reviewOn: "2027-03-02" })).status).to.equal(303);
    expect((await held()).legalHoldReviewOn).to.equal("2027-03-02");
  });

  it("renew sets a new review date; renew and lift are audited with the old and new dates and the reason's length only", async () => {
    const r = await erasure();
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reason: "police_report", reviewOn: inDays(30) });
    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    const note = `The police investigation ${w.tag} is still open`;
    const missing = await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold/renew`, { reviewOn: inDays(90), note: "" });
    expect(missing.status).to.equal(422);
    expect(missing.text).to.include("field-hold-note-error");
    expect((await held()).legalHoldReviewOn).to.equal(inDays(30));

    expect((await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold/renew`, { reviewOn: inDays(90), note })).status).to.equal(303);
    expect((await held()).legalHoldReviewOn).to.equal(inDays(90));
    const [renewed] = await audits("conversation.legal_hold_renewed");
    expect(renewed!.details).to.deep.include({ previousReviewOn: inDays(30), reviewOn: inDays(90), noteLength: note.length });

    await ctx.db.update(sessions).set({ reauthAt: ctx.clock.now() }).where(eq(sessions.staffId, w.dpo.id));
    const liftNote = `Case closed ${w.tag}`;
    expect((await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold/lift`, { note: liftNote })).status).to.equal(303);
    const after = await held();
    expect([after.legalHoldAt, after.legalHoldReviewOn]).to.deep.equal([null, null]);
    const [lifted] = await audits("conversation.legal_hold_lifted");
    expect(lifted!.details).to.deep.include({ previousReviewOn: inDays(90), noteLength: liftNote.length, reason: "police_report" });
    const allAudit = JSON.stringify(await ctx.db.select().from(auditLog));
    expect(allAudit).not.to.include(w.tag);
  });

  it("renewing a conversation that is not on hold is refused", async () => {
    const r = await erasure();
    const err = await renewLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reviewOn: inDays(30), note: "why" }).catch((e: unknown) => e);
    expect((err as { fieldErrors?: unknown }).fieldErrors).to.deep.equal({ _form: "fulfilment.errors.notOnHold" });
  });

  it("the DPO's digest names the holds due for review from their review date on, and the case page tags them", async () => {
    const r = await erasure();
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reason: "child_protection_report", reviewOn: inDays(10) });
    const digests = async () => (await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.template, "staff_digest"), eq(outbox.orgId, w.org.id)))));
    await sendDpoDigests(ctx);
    const before = await digests();
    expect(before.filter((m) => (m.payload as { holdsDue?: number }).holdsDue)).to.have.length(0);

    ctx.clock.set(new Date(ctx.clock.now().getTime() + 10 * DAY));
    await sendDpoDigests(ctx);
    const due = (await digests()).filter((m) => (m.payload as { holdsDue?: number }).holdsDue === 1);
    expect(due.map((m) => m.recipient).sort()).to.deep.equal([w.dpo.email, w.dpo2.email].sort());
    const mail = await renderMail("staff_digest", "en", due[0]!.payload as unknown as MailTemplates["staff_digest"]);
    expect(mail.text).to.include("Legal holds due for review (renew or lift each on its request page): 1");

    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    const page = await a.get(`/staff/requests/${r.id}`);
    expect(page.text).to.include("Review due");
  });

  // After each action the DPO lands on the case page with a banner saying what was done.
  async function expectBanner(agent: Awaited<ReturnType<typeof staffAgent>>, res: { status: number; headers: Record<string, string> }, requestId: string, outcome: string, text: string) {
    expect(res.status, outcome).to.equal(303);
    expect(res.headers.location).to.equal(`/staff/requests/${requestId}?done=${outcome}`);
    const page = await agent.get(res.headers.location!);
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/<div class="banner-success" role="alert"[^>]*>/);
    expect(page.text).to.include(text);
  }

  it("sets, renews and lifts a legal hold, each with its banner", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "in_review" });
    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    const hold = `/staff/requests/${r.id}/conversations/${w.first.id}/legal-hold`;
    await expectBanner(a, await postForm(a, hold, { reason: "police_report", reviewOn: inDays(30) }), r.id, "holdSet", "The legal hold is set.");
    await expectBanner(a, await postForm(a, `${hold}/renew`, { reviewOn: inDays(60), note: "Still investigated" }), r.id, "holdRenewed", "The legal hold is renewed");
    await ctx.db.update(sessions).set({ reauthAt: ctx.clock.now() }).where(eq(sessions.staffId, w.dpo.id));
    await expectBanner(a, await postForm(a, `${hold}/lift`, { note: "Case closed" }), r.id, "holdLifted", "The legal hold is lifted.");
  });

  it("carries out a request with a banner, in the DPO's language", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "restriction", scope: "profile", status: "approved" });
    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    await ctx.db.update(sessions).set({ reauthAt: ctx.clock.now() }).where(eq(sessions.staffId, w.dpo.id));
    const res = await postForm(a, `/staff/requests/${r.id}/fulfil`, {});
    expect(res.headers.location).to.equal(`/staff/requests/${r.id}?done=carriedOut`);
    const fi = await a.get(res.headers.location!).query({ lang: "fi" });
    expect(fi.text).to.include("Pyyntö on toteutettu ja valmis.");
  });

  it("shows no banner for a flag outside the closed set", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "in_review" });
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.first.id, { reason: "police_report", reviewOn: inDays(30) });
    const a = await staffAgent(ctx, buildApp(ctx), w, w.dpo.id);
    const page = await a.get(`/staff/requests/${r.id}?done=<script>`);
    expect(page.status).to.equal(200);
    expect(page.text).to.not.include("banner-success").and.not.include("<script>");
  });
});
