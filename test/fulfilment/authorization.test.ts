import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { csrfOf, declaredRoutes, expectedStatus, mountedRoutes, staffOfEachRole, walkRoute, type Matrix, type StaffByOrg } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { conversations, recipients, recipientTasks, sessions } from "../../src/db/schema/index.js";
import { fulfilmentRouter } from "../../src/fulfilment/routes.js";
import { fulfilmentRoutes, type FulfilmentRoute } from "./route-roles.js";
import { insertRequest } from "./helpers.js";

describe("fulfilment authorization: every route × role × organization, plus anonymous", function () {
  this.timeout(300_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let orgB: Awaited<ReturnType<typeof makeOrg>>;
  let subjectA: Awaited<ReturnType<typeof makeSubject>>;
  let dpoA: string;
  let dpoA2: string;
  let staffIn: StaffByOrg;
  let matrix: Matrix;

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "fulfil-a" });
    orgB = await makeOrg(ctx, { slug: "fulfil-b" });
    subjectA = await makeSubject(ctx, orgA.id);
    dpoA = (await makeStaff(ctx, orgA.id, "dpo")).id;
    dpoA2 = (await makeStaff(ctx, orgA.id, "dpo")).id;
    staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    app = buildApp(ctx);
    matrix = { ctx, app, orgA, orgB, staffIn, anonymousOwn: false };
  });

  it("lists every route the fulfilment router mounts", () => {
    expect(mountedRoutes(fulfilmentRouter(ctx))).to.deep.equal(declaredRoutes(fulfilmentRoutes));
  });

  const reviewIn30Days = () => new Date(ctx.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  /** Organization A's resources in the state the route's action needs, fresh for each cell. */
  async function fixture(route: FulfilmentRoute) {
    const conv = await makeConversation(ctx, orgA.id, { subjectId: subjectA.id, topic: "Matrix" });
    const [recipient] = await ctx.db.insert(recipients).values({ orgId: orgA.id, name: `Recipient ${conv.id.slice(0, 6)}` }).returning();
    const base = { subjectId: subjectA.id, scope: "all_conversations" as const };
    const restrictionResult = (notified: boolean) => ({
      fulfilment: "restriction", startedAt: ctx.clock.now().toISOString(), completedAt: ctx.clock.now().toISOString(), by: { type: "staff", id: dpoA },
      restriction: { subject: true, conversationIds: [conv.id], liftNotifiedAt: notified ? ctx.clock.now().toISOString() : null, liftedAt: null }, kept: [], recipients: [],
    });
    let r;
    let body: Record<string, string> = {};
    switch (route.path) {
      case "/staff/requests/:id/fulfil":
        r = await insertRequest(ctx, orgA, { ...base, type: "objection", status: "approved" });
        break;
      case "/staff/requests/:id/conversations/:conversationId/legal-hold":
        r = await insertRequest(ctx, orgA, { ...base, type: "erasure", status: "in_review" });
        body = { reason: "police_report", reviewOn: reviewIn30Days() };
        break;
      case "/staff/requests/:id/conversations/:conversationId/legal-hold/renew":
      case "/staff/requests/:id/conversations/:conversationId/legal-hold/lift":
        r = await insertRequest(ctx, orgA, { ...base, type: "erasure", status: "in_review" });
        await ctx.db.update(conversations).set({ legalHoldAt: ctx.clock.now(), legalHoldReason: "police_report", legalHoldReviewOn: reviewIn30Days() }).where(eq(conversations.id, conv.id));
        body = { note: "Proceedings still open", reviewOn: reviewIn30Days() };
        break;
      case "/staff/requests/:id/restriction/notify-lift":
        r = await insertRequest(ctx, orgA, { ...base, type: "restriction", status: "completed", result: restrictionResult(false) });
        break;
      case "/staff/requests/:id/restriction/lift":
        r = await insertRequest(ctx, orgA, { ...base, type: "restriction", status: "completed", result: restrictionResult(true) });
        break;
      case "/staff/requests/:id/recipient-tasks/:taskId/confirm":
        r = await insertRequest(ctx, orgA, { ...base, type: "erasure", status: "completed", erasureApprovedBy: dpoA, erasureConfirmedBy: dpoA2 });
        body = { note: "Told by phone" };
        break;
      case "/staff/recipients":
      case "/staff/recipients/:recipientId":
        r = await insertRequest(ctx, orgA, { ...base, type: "access", status: "in_review" });
        body = { name: "Support inbox", description: "", webhookUrl: "" };
        break;
      default:
        r = await insertRequest(ctx, orgA, { ...base, type: "access", status: "in_review" });
    }
    const [task] = await ctx.db.insert(recipientTasks).values({ requestId: r.id, recipientId: recipient!.id, action: "erasure" }).returning();
    const url = route.path.replace(":id", r.id).replace(":conversationId", conv.id).replace(":taskId", task!.id).replace(":recipientId", recipient!.id);
    return { r, url, body, recipient: recipient! };
  }

  for (const route of fulfilmentRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const problems = await walkRoute(
        matrix,
        route.method,
        async (cell) => ({ ...(await fixture(route)), want: expectedStatus(route, cell, !!route.on) }),
        (res, cell, fx) => {
          if (cell.own && cell.who !== "anonymous") return [];
          const leaks = [fx.r.reference, subjectA.email!, fx.recipient.name].filter((secret) => res.text.includes(secret)).map((secret) => `${cell.label}: leaks ${secret}`);
          const loc = String(res.headers.location ?? "");
          if ((loc.includes(fx.r.id) || loc.includes(fx.recipient.id)) && !loc.startsWith("/staff/sign-in")) leaks.push(`${cell.label}: redirects into organization A's data`);
          return leaks;
        },
      );
      expect(problems, problems.join("\n")).to.deep.equal([]);
    });
  }

  it("a POST without the form's CSRF token is refused, whoever sends it", async () => {
    const fx = await fixture(fulfilmentRoutes.find((r) => r.path.endsWith("/legal-hold"))!);
    const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.dpo.id, host: `${orgA.slug}.test` });
    const res = await agent.post(fx.url).type("form").send(fx.body);
    expect(res.status).to.equal(403);
    const held = await ctx.db.select().from(conversations).where(eq(conversations.id, fx.url.split("/")[5]!));
    expect(held[0]!.legalHoldAt).to.equal(null);
  });

  it("destructive actions ask for the password again when the last sign-in is older than ten minutes", async () => {
    for (const route of fulfilmentRoutes.filter((r) => r.reauth)) {
      const fx = await fixture(route);
      const agent = await signedInAgent(ctx, app, { orgId: orgA.id, kind: "staff", staffId: staffIn[orgA.id]!.dpo.id, host: `${orgA.slug}.test` });
      await ctx.db.update(sessions).set({ reauthAt: new Date(ctx.clock.now().getTime() - 11 * 60_000) }).where(eq(sessions.staffId, staffIn[orgA.id]!.dpo.id));
      const token = await csrfOf(agent); // before the request: it picks up the jar's cookies when created
      const res = await agent.post(fx.url).type("form").send({ ...fx.body, _csrf: token });
      expect(res.status, route.path).to.equal(303);
      expect(res.headers.location, route.path).to.equal(`/staff/reauth?next=${encodeURIComponent(`/staff/requests/${fx.r.id}`)}`);
    }
  });
});
