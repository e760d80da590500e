import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { buildApp } from "../../src/app.js";
import { setLegalHold } from "../../src/fulfilment/legal-hold.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { actorOf, insertRequest, staffAgent, world, type World } from "./helpers.js";

/**
 * The fulfilment panel of the case page offers the forms the fulfilment policy allows, and no
 * others: the view asks the abilities it is given, never the staff member's role.
 */
describe("fulfilment panel: its forms follow the policy's abilities", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let w: World;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    w = await world(ctx);
  });

  const casePage = async (staffId: string, requestId: string) => {
    const res = await (await staffAgent(ctx, buildApp(ctx), w, staffId)).get(`/staff/requests/${requestId}`);
    expect(res.status).to.equal(200);
    return res.text;
  };

  it("a DPO may carry out and set, renew or lift a hold; a reviewer sees none of those forms", async () => {
    const r = await insertRequest(ctx, w.org, {
      subjectId: w.subject.id, type: "erasure", scope: "chosen_conversations", conversationIds: [w.first.id, w.held.id],
      erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reason: "police_report", reviewOn: "2026-04-01" });
    const forms = [`/staff/requests/${r.id}/fulfil"`, `/conversations/${w.first.id}/legal-hold"`, `/conversations/${w.held.id}/legal-hold/renew"`, `/conversations/${w.held.id}/legal-hold/lift"`];
    const dpoPage = await casePage(w.dpo.id, r.id);
    for (const form of forms) expect(dpoPage, form).to.include(form);
    const reviewerPage = await casePage(w.reviewer.id, r.id);
    for (const form of forms) expect(reviewerPage, form).not.to.include(form);
  });

  it("a recipient task is confirmed by whoever prepares cases: the reviewer and the DPO alike", async () => {
    const r = await insertRequest(ctx, w.org, {
      subjectId: w.subject.id, type: "erasure", scope: "chosen_conversations", conversationIds: [w.first.id], erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id);
    for (const staffId of [w.reviewer.id, w.dpo.id]) expect(await casePage(staffId, r.id)).to.match(/\/recipient-tasks\/[0-9a-f-]{36}\/confirm"/);
  });
});
