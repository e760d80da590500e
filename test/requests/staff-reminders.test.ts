import { expect } from "chai";
import { and, eq, ne } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { outbox, requests } from "../../src/db/schema/index.js";
import { alertNewlyOverdue, sendDpoDigests } from "../../src/requests/staff-reminders.js";
import { currentDueDate } from "../../src/requests/deadlines.js";
import { renderMail } from "../../src/mail/render.js";
import type { MailTemplates } from "../../src/mail/templates.js";
import { jobDefinitions } from "../../src/jobs.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { insertRequest } from "../mail/helpers.js";
import { openedOutbox } from "../support/outbox.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function mails(ctx: TestContext, template: string, orgId?: string) {
  const rows = await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.template, template), orgId ? eq(outbox.orgId, orgId) : undefined)));
  // The recipient is sealed: sorted once opened.
  return rows.sort((a, b) => (a.recipient! < b.recipient! ? -1 : a.recipient! > b.recipient! ? 1 : 0));
}

describe("mail: staff reminders", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let other: Awaited<ReturnType<typeof makeOrg>>;
  let dpo1: Awaited<ReturnType<typeof makeStaff>>;
  let dpo2: Awaited<ReturnType<typeof makeStaff>>;
  let overdueReq: Awaited<ReturnType<typeof insertRequest>>;
  let dueFriday: Awaited<ReturnType<typeof insertRequest>>;

  beforeEach(async () => {
    ctx = await freshContext();
    // 2026-03-02 09:00 UTC = 11:00 in Helsinki, local date 2026-03-02 (a Monday).
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx, { name: "Nuorten Apu", timeZone: "Europe/Helsinki", country: "FI", defaultLocale: "fi" });
    other = await makeOrg(ctx);
    dpo1 = await makeStaff(ctx, org.id, "dpo", { email: "dpo1@example.test" });
    dpo2 = await makeStaff(ctx, org.id, "dpo", { email: "dpo2@example.test" });
    await makeStaff(ctx, org.id, "dpo", { email: "gone@example.test", disabledAt: new Date("2026-01-01T00:00:00Z") });
    await makeStaff(ctx, org.id, "reviewer", { email: "reviewer@example.test" });
    await makeStaff(ctx, org.id, "admin", { email: "admin@example.test" });
    await makeStaff(ctx, other.id, "dpo", { email: "other-dpo@example.test" });

    overdueReq = await insertRequest(ctx, org.id, { effectiveDueDate: "2026-03-01", dueDate: "2026-03-01" });
    dueFriday = await insertRequest(ctx, org.id, { effectiveDueDate: "2026-03-06", dueDate: "2026-03-06", status: "submitted" });
    await insertRequest(ctx, org.id, { effectiveDueDate: "2026-03-09", dueDate: "2026-03-09" }); // 7 days left: due soon
    await insertRequest(ctx, org.id, { effectiveDueDate: "2026-03-10", dueDate: "2026-03-10" }); // 8 days: not yet
    await insertRequest(ctx, org.id, { effectiveDueDate: "2026-02-20", dueDate: "2026-02-20", status: "completed" });
    await insertRequest(ctx, org.id, { effectiveDueDate: "2026-02-25", dueDate: "2026-02-25", status: "rejected" });
    await insertRequest(ctx, org.id, { effectiveDueDate: "2026-02-25", dueDate: "2026-02-25", status: "withdrawn" });
    // Extended: the legal date has passed, the extended one has not.
    await insertRequest(ctx, org.id, { dueDate: "2026-02-27", extendedDueDate: "2026-04-27", effectiveDueDate: "2026-04-27" });
    // Paused since 20 Feb awaiting identity: its date moves on while the clock stands still.
    await insertRequest(ctx, org.id, {
      status: "awaiting_identity", receivedAt: new Date("2026-01-27T10:00:00Z"), dueDate: "2026-02-27", effectiveDueDate: "2026-02-27", pausedSince: new Date("2026-02-20T08:00:00Z"),
    });
    await insertRequest(ctx, other.id, { effectiveDueDate: "2026-02-01", dueDate: "2026-02-01" });
  });

  it("counts a running pause into the due date", () => {
    const r = { receivedAt: new Date("2026-01-27T10:00:00Z"), effectiveDueDate: "2026-02-27", extendedDueDate: null, pausedDays: 0, pausedSince: new Date("2026-02-20T08:00:00Z") };
    // Received 27 Jan: one month ends Fri 27 Feb. 10 local days paused by 2 March: 27 Feb + 10 = 9 March (a Monday).
    expect(currentDueDate(r, org, new Date("2026-03-02T09:00:00Z"))).to.equal("2026-03-09");
    expect(currentDueDate({ ...r, pausedSince: null }, org, new Date("2026-03-02T09:00:00Z"))).to.equal("2026-02-27");
    // An effective date behind the extended one (inconsistent data) never makes a request look late.
    expect(currentDueDate({ ...r, pausedSince: null, extendedDueDate: "2026-04-27" }, org, new Date())).to.equal("2026-04-27");
  });

  it("sends each active dpo a daily digest with the counts of their organization, once per local day", async () => {
    // Two dpos here, one in the other organization (which has one overdue request).
    expect(await sendDpoDigests(ctx)).to.deep.equal({ queued: 3 });
    const digests = await mails(ctx, "staff_digest", org.id);
    expect(digests.map((d) => d.recipient)).to.deep.equal(["dpo1@example.test", "dpo2@example.test"]);
    for (const d of digests) {
      expect(d.orgId).to.equal(org.id);
      expect(d.locale).to.equal("fi");
      expect(d.payload).to.deep.equal({ dueSoon: 3, overdue: 1, urgent: 0, holdsDue: 0, date: "2026-03-02", queueUrl: `${ctx.config.BASE_URL}/staff`, orgName: "Nuorten Apu" });
    }
    // Run again the same local day (even late in the evening): nothing new.
    ctx.clock.set("2026-03-02T21:30:00Z"); // 23:30 in Helsinki
    expect(await sendDpoDigests(ctx)).to.deep.equal({ queued: 0 });
    // Past local midnight it is a new day (still 2 March in UTC).
    ctx.clock.set("2026-03-02T22:30:00Z");
    expect(await sendDpoDigests(ctx)).to.deep.equal({ queued: 3 });
    const next = (await mails(ctx, "staff_digest", org.id)).filter((d) => (d.payload as { date: string }).date === "2026-03-03");
    expect(next).to.have.length(2);
    // On 3 March the request due 10 March is within 7 days too (the paused one moved on a day).
    expect(next[0]!.payload).to.include({ dueSoon: 4, overdue: 1 });
  });

  it("renders the digest without any request detail", async () => {
    await sendDpoDigests(ctx);
    const [d] = await mails(ctx, "staff_digest", org.id);
    const rendered = await renderMail("staff_digest", d!.locale, d!.payload as unknown as MailTemplates["staff_digest"]);
    expect(rendered.text).to.include("Myöhässä: 1");
    expect(rendered.text).to.include("Erääntyy 7 päivän sisällä: 3");
    expect(rendered.text).to.include("2. maaliskuuta 2026");
    expect(rendered.text + rendered.html).not.to.include(overdueReq.reference);
  });

  it("counts the requests whose requester needs them within 7 days, and sends for those alone too", async () => {
    const [open] = await ctx.db.select().from(requests).where(and(eq(requests.orgId, org.id), eq(requests.status, "submitted"))).limit(1);
    await ctx.db.update(requests).set({ status: "completed" }).where(ne(requests.id, open!.id));
    await ctx.db.update(requests).set({ effectiveDueDate: "2026-04-30", neededBy: "2026-03-06" }).where(eq(requests.id, open!.id));
    await sendDpoDigests(ctx);
    const [d] = await mails(ctx, "staff_digest", org.id);
    expect(d!.payload).to.include({ dueSoon: 0, overdue: 0, urgent: 1 });
    const rendered = await renderMail("staff_digest", d!.locale, d!.payload as unknown as MailTemplates["staff_digest"]);
    expect(rendered.text).to.include("Pyytäjä tarvitsee pian (7 päivän sisällä): 1");
  });

  it("sends no digest when nothing is due soon or overdue", async () => {
    await ctx.db.update(requests).set({ status: "completed" });
    expect(await sendDpoDigests(ctx)).to.deep.equal({ queued: 0 });
  });

  it("alerts each dpo once when a request turns overdue, in the organization's time zone", async () => {
    // This organization's request due 1 March, and the other organization's for its own dpo.
    expect(await alertNewlyOverdue(ctx)).to.deep.equal({ requests: 2, queued: 3 });
    const alerts = await mails(ctx, "staff_overdue_alert", org.id);
    expect(alerts.map((a) => a.recipient)).to.deep.equal(["dpo1@example.test", "dpo2@example.test"]);
    expect(alerts[0]!.payload).to.deep.equal({
      reference: overdueReq.reference, dueDate: "2026-03-01", requestUrl: `${ctx.config.BASE_URL}/staff/requests/${overdueReq.id}`, orgName: "Nuorten Apu",
    });
    const [marked] = await ctx.db.select().from(requests).where(eq(requests.id, overdueReq.id));
    expect(marked!.overdueNotifiedAt?.toISOString()).to.equal("2026-03-02T09:00:00.000Z");

    // Hourly runs: nothing new until Friday's request passes local midnight.
    ctx.clock.advance(HOUR);
    expect(await alertNewlyOverdue(ctx)).to.deep.equal({ requests: 0, queued: 0 });
    ctx.clock.set("2026-03-06T21:59:00Z"); // 23:59 on Friday 6 March in Helsinki: still due today
    expect(await alertNewlyOverdue(ctx)).to.deep.equal({ requests: 0, queued: 0 });
    ctx.clock.set("2026-03-06T22:00:00Z"); // 00:00 on Saturday in Helsinki
    expect(await alertNewlyOverdue(ctx)).to.deep.equal({ requests: 1, queued: 2 });
    const forFriday = (await mails(ctx, "staff_overdue_alert", org.id)).filter((a) => (a.payload as { reference: string }).reference === dueFriday.reference);
    expect(forFriday).to.have.length(2);
    // The request due 9 March and the paused one (due 9 March as of today, later as the pause
    // goes on) have not turned yet.
    ctx.clock.set("2026-03-09T12:00:00Z");
    expect(await alertNewlyOverdue(ctx)).to.deep.equal({ requests: 0, queued: 0 });
    ctx.clock.set("2026-03-09T22:00:00Z"); // 10 March in Helsinki: the 9 March request turns; the paused one is due later
    expect(await alertNewlyOverdue(ctx)).to.deep.equal({ requests: 1, queued: 2 });
    const all = await mails(ctx, "staff_overdue_alert");
    expect(all.filter((a) => a.recipient === "other-dpo@example.test")).to.have.length(1);
    expect(all.filter((a) => a.orgId === org.id)).to.have.length(6);
    expect(all.filter((a) => a.recipient === "gone@example.test" || a.recipient === "reviewer@example.test" || a.recipient === "admin@example.test")).to.have.length(0);
  });

  it("writes the alerts and the overdue mark together, and falls back to the organization's DPO address", async () => {
    const solo = await makeOrg(ctx, { dpoEmail: "dpo@solo.example" });
    const late = await insertRequest(ctx, solo.id, { effectiveDueDate: "2026-02-26", dueDate: "2026-02-26" });
    await alertNewlyOverdue(ctx);
    const rows = await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.template, "staff_overdue_alert"), eq(outbox.orgId, solo.id))));
    expect(rows.map((r) => r.recipient)).to.deep.equal(["dpo@solo.example"]);
    const [marked] = await ctx.db.select().from(requests).where(eq(requests.id, late.id));
    expect(marked!.overdueNotifiedAt).to.be.instanceOf(Date);
    // A request already marked is never alerted again, even if its alert was lost.
    await ctx.db.delete(outbox);
    ctx.clock.advance(DAY);
    await alertNewlyOverdue(ctx);
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.orgId, solo.id)))).to.have.length(0);
  });

  it("runs both as recurring jobs: the digest daily, the overdue check hourly", async () => {
    const defs = jobDefinitions();
    expect(defs.find((d) => d.name === "mail.dpo-digest")?.everyMs).to.equal(DAY);
    expect(defs.find((d) => d.name === "mail.overdue-alerts")?.everyMs).to.equal(HOUR);
    const runner = new JobRunner(ctx, defs);
    await runner.tick();
    expect(await mails(ctx, "staff_digest", org.id)).to.have.length(2);
    expect(await mails(ctx, "staff_overdue_alert", org.id)).to.have.length(2);
    await ctx.db.delete(outbox);
    ctx.clock.advance(10 * 60_000);
    await runner.tick(); // same slots: neither runs again
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox))).to.have.length(0);
    ctx.clock.advance(HOUR);
    await insertRequest(ctx, org.id, { effectiveDueDate: "2026-03-02", dueDate: "2026-03-02", status: "submitted" });
    ctx.clock.set("2026-03-02T22:05:00Z"); // next hour slot, past local midnight: it turned overdue
    await runner.tick();
    expect(await mails(ctx, "staff_overdue_alert", org.id)).to.have.length(2);
    void dpo1;
    void dpo2;
  });
});
