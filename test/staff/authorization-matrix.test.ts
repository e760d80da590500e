import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject, TEST_PASSWORD } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { declaredRoutes, mountedRoutes, staffOfEachRole, walkRoute, type Cell, type Matrix, type StaffByOrg } from "../support/authorization.js";
import { buildApp } from "../../src/app.js";
import { staffRouter } from "../../src/staff/routes.js";
import { staffRoutes, type StaffRoute } from "./route-roles.js";
import { makeRequest } from "./helpers.js";

let invited = 0;
/**
 * The state a request (or a staff member) must be in for the route's action to succeed, and the
 * form to send (a function when each cell needs its own, e.g. a new address to invite).
 */
const fixtures: Record<string, { status?: string; type?: "erasure"; approvedByOther?: boolean; targetDisabled?: boolean; body?: Record<string, string> | ((r: { id: string }) => Record<string, string>) }> = {
  "post /staff/sign-in": { body: { email: "nobody@example.test", password: "x" } },
  "post /staff/totp": { body: { code: "123456" } },
  "post /staff/reauth": { body: { password: TEST_PASSWORD, next: "/staff" } },
  "post /staff/requests/:id/assign": { body: { assigneeId: "" } },
  "post /staff/requests/assign": { body: (r) => ({ ids: r.id, assigneeId: "" }) },
  "post /staff/requests/:id/notes": { body: { body: "A note" } },
  "post /staff/requests/:id/messages": { body: { body: "A message" } },
  "post /staff/requests/:id/start-review": { status: "submitted" },
  "post /staff/requests/:id/ask-information": { status: "in_review", body: { message: "Which chats?" } },
  "post /staff/requests/:id/ask-identity": {
    status: "in_review",
    body: { message: "Prove it", doubtReason: "The e-mail differs from the one in the chat.", accountOverride: "1", accountOverrideReason: "The account's address changed the day before." },
  },
  "post /staff/requests/:id/approve": { status: "in_review", body: { message: "", confirm: "yes" } },
  "post /staff/requests/:id/reject": { status: "in_review", body: { legalGround: "manifestly_unfounded_or_excessive", reason: "A reason long enough.", confirm: "yes" } },
  "post /staff/requests/:id/extend": { status: "in_review", body: { reason: "A reason long enough for extension.", kind: "complexity" } },
  "post /staff/requests/:id/confirm-erasure": { status: "approved", type: "erasure", approvedByOther: true, body: { confirm: "yes" } },
  "post /staff/invite": { body: { password: "a long enough new password", confirm: "a long enough new password" } },
  "post /staff/admin/staff/invite": { body: () => ({ name: "New Colleague", email: `new-${invited++}@example.test`, role: "reviewer", locale: "" }) },
  "post /staff/admin/staff/:staffId/enable": { targetDisabled: true },
  "post /staff/admin/staff/:staffId/role": { body: { role: "dpo" } },
  "post /staff/account/locale": { body: { locale: "fi" } },
};

describe("staff authorization matrix: every route × role × organization, plus anonymous", function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let orgA: Awaited<ReturnType<typeof makeOrg>>;
  let orgB: Awaited<ReturnType<typeof makeOrg>>;
  let subjectA: Awaited<ReturnType<typeof makeSubject>>;
  let approverA: Awaited<ReturnType<typeof makeStaff>>;
  let staffIn: StaffByOrg;
  let matrix: Matrix;

  before(async () => {
    ctx = await freshContext();
    orgA = await makeOrg(ctx, { slug: "matrix-a" });
    orgB = await makeOrg(ctx, { slug: "matrix-b" });
    subjectA = await makeSubject(ctx, orgA.id);
    approverA = await makeStaff(ctx, orgA.id, "dpo");
    staffIn = await staffOfEachRole(ctx, [orgA, orgB]);
    app = buildApp(ctx);
    matrix = { ctx, app, orgA, orgB, staffIn, anonymousOwn: false };
  });

  it("lists every route the staff router mounts", () => {
    expect(mountedRoutes(staffRouter(ctx))).to.deep.equal(declaredRoutes(staffRoutes));
  });

  function expected(route: StaffRoute, { who, own }: Cell): number {
    if (route.roles === "public") return -1; // checked only for "no leak, no 5xx"
    if (who === "anonymous") return route.method === "get" ? 303 : 401;
    if ((route.onRequest || route.onStaffMember) && !own) return 404;
    if (route.redirects?.[who]) return 303;
    return route.roles.includes(who) ? (route.method === "get" ? 200 : 303) : 403;
  }

  for (const route of staffRoutes) {
    it(`${route.method.toUpperCase()} ${route.path}`, async () => {
      const fx = fixtures[`${route.method} ${route.path}`] ?? {};
      const results = await walkRoute(
        matrix,
        route.method,
        async (cell) => {
          // A fresh request of organization A per cell, in the state the action needs.
          const conv = await makeConversation(ctx, orgA.id, { subjectId: subjectA.id, topic: "Matrix" });
          const r = await makeRequest(ctx, orgA, { subjectId: subjectA.id, status: fx.status ?? "in_review", type: fx.type, erasureApprovedBy: fx.approvedByOther ? approverA.id : null });
          // A fresh reviewer of organization A for the admin routes on one staff member.
          const target = await makeStaff(ctx, orgA.id, "reviewer", { disabledAt: fx.targetDisabled ? ctx.clock.now() : null });
          const url = route.path.replace(":id", r.id).replace(":conversationId", conv.id).replace(":staffId", target.id).replace(":token", "not-a-real-invitation-token-000000") +
            (route.path.includes("transcript") ? `?requestId=${r.id}&purpose=${encodeURIComponent("Matrix check")}` : "");
          const body = typeof fx.body === "function" ? fx.body(r) : fx.body;
          return { r, target, url, body, want: expected(route, cell) };
        },
        (res, cell, { r, target }) => {
          const problems: string[] = [];
          const redirect = cell.who !== "anonymous" && route.roles !== "public" ? route.redirects?.[cell.who] : undefined;
          if (redirect && res.headers.location !== redirect) problems.push(`${cell.label}: redirects to ${res.headers.location}, want ${redirect}`);
          if (!cell.own || cell.who === "anonymous") {
            for (const secret of [r.reference, subjectA.email!, r.id.slice(0, 8) + "x", target.email, staffIn[orgA.id]!.reviewer.email]) {
              if (res.text.includes(secret)) problems.push(`${cell.label}: leaks ${secret}`);
            }
            const loc = String(res.headers.location ?? "");
            if (loc.includes(r.id) && !loc.startsWith("/staff/sign-in")) problems.push(`${cell.label}: redirects into the other org's request`);
            if (loc.includes(target.id) && !loc.startsWith("/staff/sign-in")) problems.push(`${cell.label}: redirects to the other org's staff member`);
          }
          return problems;
        },
      );
      expect(results, results.join("\n")).to.deep.equal([]);
    });
  }

  it("a staff session of one organization is not accepted on another organization's host", async () => {
    const agent = await signedInAgent(ctx, app, { orgId: orgB.id, kind: "staff", staffId: staffIn[orgB.id]!.dpo.id, host: `${orgA.slug}.test` });
    const res = await agent.get("/staff");
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(/^\/staff\/sign-in/);
  });
});
