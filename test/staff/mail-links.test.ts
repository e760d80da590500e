import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { staffInviteUrl, staffQueueUrl, staffRequestUrl } from "../../src/mail/links.js";
import { staffRoutes } from "./route-roles.js";
import { makeRequest } from "./helpers.js";

/** The GET route of the staff router a path would reach, if any. */
function routeFor(path: string): string | undefined {
  const pattern = (p: string) => new RegExp(`^${p.replace(/[.]/g, "\\.").replace(/:\w+/g, "[^/]+")}$`);
  return staffRoutes.find((r) => r.method === "get" && pattern(r.path).test(path))?.path;
}

describe("mail links to the staff area lead to real staff routes", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("every staff link matches a GET route of the staff route table", () => {
    const base = ctx.config.BASE_URL;
    const strip = (url: string) => url.slice(base.length);
    expect(routeFor(strip(staffRequestUrl(ctx, "5e0c3b2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c")))).to.equal("/staff/requests/:id");
    expect(routeFor(strip(staffQueueUrl(ctx)))).to.equal("/staff");
    expect(routeFor(strip(staffInviteUrl(ctx, "tok3n_abc-DEF")))).to.equal("/staff/invite/:token");
  });

  it("a DPO following the links over HTTP lands on the request and the queue", async () => {
    const org = await makeOrg(ctx);
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const r = await makeRequest(ctx, org, { status: "in_review" });
    const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    const path = (url: string) => new URL(url).pathname;
    expect((await agent.get(path(staffRequestUrl(ctx, r.id)))).text).to.include(r.reference);
    await agent.get(path(staffQueueUrl(ctx))).expect(200);
  });
});
