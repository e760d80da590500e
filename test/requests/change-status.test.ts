import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";
import { requestEvents, requests, auditLog } from "../../src/db/schema/index.js";
import { changeStatus, lockRequest } from "../../src/requests/change-status.js";
import { extendRequest } from "../../src/requests/extend-request.js";
import { submitRequest } from "../../src/requests/submit-request.js";
import { InvalidTransitionError, ValidationError } from "../../src/platform/errors.js";

describe("request status changes", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  const staff = { type: "staff" as const, id: null, role: "dpo" };

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-10T08:00:00Z");
    org = await makeOrg(ctx);
  });

  async function newRequest() {
    const s = await makeSubject(ctx, org.id);
    const r = await submitRequest(ctx, org, { subjectId: s.id, conversationId: null, email: s.email, assurance: "account" }, { type: "access", scope: "all_conversations", conversationIds: [], details: {} }, "en");
    return r.request;
  }
  const move = (id: string, to: Parameters<typeof changeStatus>[4]["to"]) =>
    ctx.db.transaction(async (tx) => changeStatus(tx, ctx, staff, await lockRequest(tx, id, org.id), { to }));

  it("records an event and an audit entry with every move, and refuses moves outside the table", async () => {
    const r = await newRequest();
    await move(r.id, "in_review");
    await move(r.id, "approved");
    let refused: unknown;
    try {
      await move(r.id, "submitted");
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(InvalidTransitionError);
    const events = await ctx.db.select().from(requestEvents).where(eq(requestEvents.requestId, r.id));
    expect(events.map((e) => `${e.fromStatus ?? ""}>${e.toStatus}`)).to.deep.equal([">submitted", "submitted>in_review", "in_review>approved"]);
    const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.targetId, r.id));
    expect(audits.map((a) => a.action)).to.deep.equal(["request.submitted", "request.in_review", "request.approved"]);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("approved");
  });

  it("pauses the clock while awaiting identity and shifts the due date by the whole days paused", async () => {
    const r = await newRequest();
    expect(r.dueDate).to.equal("2026-04-10");
    await move(r.id, "awaiting_identity");
    ctx.clock.advance(5 * 86_400_000);
    const resumed = await move(r.id, "in_review");
    expect(resumed.pausedDays).to.equal(5);
    expect(resumed.dueDate).to.equal("2026-04-10");
    // 10 Apr + 5 = 15 Apr 2026 (Wednesday)
    expect(resumed.effectiveDueDate).to.equal("2026-04-15");
  });

  it("extends only with a reason and only before the first deadline", async () => {
    const r = await newRequest();
    let err: unknown;
    try {
      await extendRequest(ctx, staff, org.id, r.id, "short");
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ValidationError);
    const extended = await extendRequest(ctx, staff, org.id, r.id, "Many years of chat history across three systems");
    // received 10 Mar 2026 + 3 months = 10 Jun 2026 (Wednesday)
    expect(extended.extendedDueDate).to.equal("2026-06-10");
    expect(extended.effectiveDueDate).to.equal("2026-06-10");

    const late = await newRequest();
    ctx.clock.set("2026-04-11T08:00:00Z");
    let tooLate: unknown;
    try {
      await extendRequest(ctx, staff, org.id, late.id, "Many years of chat history across three systems");
    } catch (e) {
      tooLate = e;
    }
    expect(tooLate).to.be.instanceOf(ValidationError);
    expect((tooLate as ValidationError).fieldErrors.reason).to.equal("requests.errors.extensionTooLate");
  });
});
