import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import type { StaffRole } from "../../src/db/schema/index.js";
import { staffBrowser } from "./helpers.js";

/** The specification: what each role finds in the staff navigation (the policies must agree). */
const expectedNav: Record<StaffRole, string[]> = {
  reviewer: ["/staff", "/staff/account"],
  dpo: ["/staff", "/staff/dashboard", "/staff/complaints", "/staff/research", "/staff/audit", "/staff/retention", "/staff/account"],
  admin: ["/staff/admin", "/staff/admin/settings", "/staff/admin/staff", "/staff/recipients", "/staff/retention", "/staff/account"],
};

const navLinks = (html: string) => {
  const nav = /<nav class="staff-nav"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? "";
  return [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
};

describe("staff navigation: one registry, checked against the policies", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let org: Awaited<ReturnType<typeof makeOrg>>;

  before(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx, { slug: "nav-a" });
    app = buildApp(ctx);
  });

  for (const role of Object.keys(expectedNav) as StaffRole[]) {
    it(`shows the ${role} exactly the pages they may open, each of which opens, the current one marked`, async () => {
      const member = await makeStaff(ctx, org.id, role);
      const b = await staffBrowser(ctx, app, org, member.id);
      const home = await b.get("/staff/account");
      expect(navLinks(home.text)).to.deep.equal(expectedNav[role]);
      expect(home.text).to.match(/href="\/staff\/account" aria-current="page"/);
      for (const href of navLinks(home.text)) expect((await b.get(href)).status, `${role} ${href}`).to.equal(200);
    });
  }
});
