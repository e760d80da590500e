import { expect } from "chai";
import type { TestContext } from "../support/context.js";
import { makeSubject } from "../support/factories.js";
import { isRequestOverdue } from "../../src/complaints/overdue.js";
import { localDate } from "../../src/requests/deadlines.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, requesterAgent } from "./helpers.js";

/**
 * A request is overdue once the organization's local date is after its effective due date, unless
 * it is completed, rejected or withdrawn. The boundary is local midnight, not UTC midnight.
 */
describe("complaints: overdue at the deadline boundary, in the organization's time zone", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshComplaintsContext();
  });

  it("turns overdue exactly at local midnight after the due date (Amsterdam, UTC+2 in April)", async () => {
    const org = await countryOrg(ctx, "NL");
    const r = await insertRequest(ctx, org, { status: "in_review" });
    expect(r.effectiveDueDate).to.equal("2026-04-02");

    // 23:59:59.999 on 2 April in Amsterdam: still the due date.
    ctx.clock.set("2026-04-02T21:59:59.999Z");
    expect(localDate(ctx.clock.now(), org.timeZone)).to.equal("2026-04-02");
    expect(isRequestOverdue(r, org, ctx.clock.now())).to.equal(false);

    // 00:00 on 3 April in Amsterdam, while it is still 2 April in UTC: overdue.
    ctx.clock.set("2026-04-02T22:00:00.000Z");
    expect(ctx.clock.now().toISOString().slice(0, 10)).to.equal("2026-04-02");
    expect(isRequestOverdue(r, org, ctx.clock.now())).to.equal(true);
  });

  it("is never overdue once completed, rejected or withdrawn; any open status is", async () => {
    const org = await countryOrg(ctx, "FI");
    const rows = await Promise.all(
      ["submitted", "awaiting_requester", "in_review", "approved", "in_progress", "completed", "rejected", "withdrawn"].map((status) => insertRequest(ctx, org, { status })),
    );
    ctx.clock.set("2026-04-10T09:00:00Z");
    const overdue = rows.filter((r) => isRequestOverdue(r, org, ctx.clock.now())).map((r) => r.status);
    expect(overdue).to.deep.equal(["submitted", "awaiting_requester", "in_review", "approved", "in_progress"]);
  });

  it("the requester's page says so plainly only after local midnight (Helsinki, UTC+3), and offers the complaint paths", async () => {
    const org = await countryOrg(ctx, "FI");
    const subject = await makeSubject(ctx, org.id);
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const app = buildApp(ctx);

    ctx.clock.set("2026-04-02T20:59:59Z"); // 23:59:59 in Helsinki
    const agent = await requesterAgent(ctx, app, org, subject); // a session starts now and lasts an hour
    let page = await agent.get(`/requests/${r.reference}`).expect(200);
    expect(page.text).to.not.include("We are late with your request");
    expect(page.text).to.not.include('id="complaint-paths"');

    ctx.clock.set("2026-04-02T21:00:00Z"); // 00:00 in Helsinki
    page = await agent.get(`/requests/${r.reference}`).expect(200);
    expect(page.text).to.include("We are late with your request");
    expect(page.text).to.include("We should have answered by 2 April 2026. This is not OK");
    expect(page.text).to.include(`href="/requests/${r.reference}/complaint"`);
    expect(page.text).to.include("Tietosuojavaltuutetun toimisto");
    expect(page.text).to.include('href="https://tietosuoja.fi/notification-to-the-data-protection-ombudsman"');
  });

  it("an extension moves the boundary to the extended date", async () => {
    const org = await countryOrg(ctx, "SE");
    const r = await insertRequest(ctx, org, { status: "in_review", set: { extendedAt: new Date("2026-03-20T10:00:00Z"), extendedDueDate: "2026-06-02", effectiveDueDate: "2026-06-02" } });
    ctx.clock.set("2026-04-20T10:00:00Z");
    expect(isRequestOverdue(r, org, ctx.clock.now())).to.equal(false);
    ctx.clock.set("2026-06-02T21:59:59Z"); // 23:59:59 in Stockholm (UTC+2)
    expect(isRequestOverdue(r, org, ctx.clock.now())).to.equal(false);
    ctx.clock.set("2026-06-02T22:00:00Z");
    expect(isRequestOverdue(r, org, ctx.clock.now())).to.equal(true);
  });
});
