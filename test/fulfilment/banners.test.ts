import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { buildApp } from "../../src/app.js";
import { sessions } from "../../src/db/schema/index.js";
import { setLegalHold } from "../../src/fulfilment/legal-hold.js";
import { actorOf, insertRequest, postForm, staffAgent, world, type World } from "./helpers.js";

const DAY = 86_400_000;

/** After each fulfilment action the DPO lands on the case page with a banner saying what was done. */
describe("fulfilment: a success banner after each action", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let w: World;
  const inDays = (n: number) => new Date(ctx.clock.now().getTime() + n * DAY).toLocaleDateString("en-CA", { timeZone: w.org.timeZone });

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    w = await world(ctx);
  });

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
