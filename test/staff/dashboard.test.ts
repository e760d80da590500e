import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog, requests } from "../../src/db/schema/index.js";
import { csvCell } from "../../src/staff/csv.js";
import { makeRequest } from "./helpers.js";

describe("staff dashboard, register CSV and locales", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-06-15T09:00:00Z");
  });

  it("neutralizes spreadsheet formulas in CSV cells", () => {
    for (const bad of ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"]) expect(csvCell(bad).replace(/^"/, "")[0]).to.equal("'");
    expect(csvCell('a "b", c')).to.equal('"a ""b"", c"');
    expect(csvCell("plain")).to.equal("plain");
    expect(csvCell(null)).to.equal("");
  });

  it("computes the dashboard figures and exports the register of the own organization only", async () => {
    const org = await makeOrg(ctx);
    const other = await makeOrg(ctx);
    const dpo = await makeStaff(ctx, org.id, "dpo", { name: "=HYPERLINK(\"x\")" });
    // Open: one overdue, one due within the week, one later.
    await makeRequest(ctx, org, { receivedAt: new Date("2026-04-01T09:00:00Z") });
    await makeRequest(ctx, org, { receivedAt: new Date("2026-05-18T09:00:00Z"), type: "erasure" });
    const late = await makeRequest(ctx, org, { receivedAt: new Date("2026-06-10T09:00:00Z") });
    await ctx.db.update(requests).set({ assigneeId: dpo.id }).where(eq(requests.id, late.id));
    // Completed within the month (10 days) and late (40 days).
    const a = await makeRequest(ctx, org, { status: "completed", receivedAt: new Date("2026-04-01T09:00:00Z") });
    await ctx.db.update(requests).set({ completedAt: new Date("2026-04-11T09:00:00Z") }).where(eq(requests.id, a.id));
    const b = await makeRequest(ctx, org, { status: "completed", receivedAt: new Date("2026-04-01T09:00:00Z") });
    await ctx.db.update(requests).set({ completedAt: new Date("2026-05-11T09:00:00Z") }).where(eq(requests.id, b.id));
    const foreign = await makeRequest(ctx, other, {});
    const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    const page = await agent.get("/staff/dashboard").expect(200);
    const dd = (label: string) => new RegExp(`<dt>${label}</dt><dd>([^<]*)`).exec(page.text)?.[1]?.trim();
    expect(dd("Open requests")).to.equal("3");
    expect(dd("Overdue")).to.equal("1");
    expect(dd("Due within 7 days")).to.equal("1");
    expect(dd("Median time to complete \\(last 90 days\\)")).to.equal("25 days");
    expect(dd("Completed within one month \\(last 90 days\\)")).to.equal("50 %");
    expect(page.text).to.include("<meter");
    const csv = await agent.get("/staff/requests.csv").expect(200);
    expect(csv.headers["content-type"]).to.match(/^text\/csv/);
    const lines = csv.text.trim().split("\r\n");
    expect(lines).to.have.length(6);
    expect(csv.text).to.include(`"'=HYPERLINK(""x"")"`).and.not.include(foreign.reference);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "register.exported"))).to.have.length(1);
  });

  it("has the same keys in every staff locale as in English, and English has every key the views use", () => {
    const dir = path.resolve("src/staff/locales");
    const flat = (o: Record<string, unknown>, p = ""): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === "string" ? [`${p}${k}`] : flat(v as Record<string, unknown>, `${p}${k}.`)));
    const en = new Set(flat(JSON.parse(fs.readFileSync(path.join(dir, "en.json"), "utf8"))));
    for (const l of ["fi", "sv", "nl", "et"]) {
      const keys = flat(JSON.parse(fs.readFileSync(path.join(dir, `${l}.json`), "utf8")));
      expect(keys.filter((k) => !en.has(k)), l).to.deep.equal([]);
      expect(keys).to.include("templates.rightsNotice");
    }
    const used = new Set<string>();
    for (const f of fs.readdirSync("views/staff")) {
      for (const m of fs.readFileSync(path.join("views/staff", f), "utf8").matchAll(/t\(["']staff\.([\w.]+)["']/g)) used.add(m[1]!);
    }
    expect([...used].filter((k) => !en.has(k) && !k.endsWith("."))).to.deep.equal([]);
  });
});
