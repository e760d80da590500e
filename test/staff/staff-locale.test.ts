import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { outbox, recipients, sessions, staffUsers } from "../../src/db/schema/index.js";
import { attr, elements, parseHtml } from "../support/crawl.js";
import { alertNewlyOverdue, sendDpoDigests } from "../../src/requests/staff-reminders.js";
import { makeRequest, staffBrowser } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

describe("staff language: chosen per staff member, used for the staff area and staff e-mails", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx, { defaultLocale: "fi" });
  });

  it("switching language on a staff form brings back what was typed, in the new language, and stores nothing", async () => {
    const admin = await makeStaff(ctx, org.id, "admin");
    const b = await staffBrowser(ctx, buildApp(ctx), org, admin.id);
    for (const [path, typed, field] of [
      ["/staff/recipients", { name: "Research partner", description: "Typed & not yet saved <b>" }, "field-description"],
      ["/staff/admin/settings/about", { "purposes.fi": "Kirjoitettu, ei tallennettu" }, "field-purposes-fi"],
    ] as const) {
      const page = await b.get(path);
      const button = elements(parseHtml(page.text)).find((el) => el.tagName === "button" && attr(el, "value") === "sv")!;
      expect(attr(button, "form"), path).to.equal("page-form");
      const switched = await b.post(path, { ...typed, _lang: "sv" });
      expect(switched.status, path).to.equal(200);
      expect(switched.text, path).to.include('<html lang="sv">');
      const area = elements(parseHtml(switched.text)).find((el) => attr(el, "id") === field)!;
      expect(area.childNodes.map((n) => ("value" in n ? n.value : "")).join(""), path).to.equal(Object.values(typed).at(-1));
    }
    expect(await ctx.db.select().from(recipients).where(eq(recipients.orgId, org.id))).to.have.length(0);
  });

  it("saves the choice, shows the staff area in it at once, and can go back to the organization's default", async () => {
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const b = await staffBrowser(ctx, buildApp(ctx), org, dpo.id);
    const page = await b.get("/staff/account");
    expect(page.status).to.equal(200);
    expect(page.text).to.include('name="locale"').and.include("Suomi");
    let res = await b.post("/staff/account/locale", { locale: "sv" });
    expect(res.status).to.equal(303);
    expect(String(res.headers["set-cookie"])).to.include("rd_lang=sv");
    expect((await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, dpo.id)))[0]!.locale).to.equal("sv");
    expect((await ctx.db.select().from(sessions).where(eq(sessions.staffId, dpo.id)))[0]!.locale).to.equal("sv");
    const saved = await b.get(res.headers.location as string);
    expect(saved.text).to.include('<html lang="sv">').and.include("Mitt konto").and.include("Ditt språk har sparats.");
    expect((await b.post("/staff/account/locale", { locale: "xx" })).status).to.equal(422);
    res = await b.post("/staff/account/locale", { locale: "" });
    expect(res.status).to.equal(303);
    expect((await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, dpo.id)))[0]!.locale).to.equal(null);
  });

  it("sends digests and overdue alerts in each DPO's language, else in the organization's", async () => {
    const plain = await makeStaff(ctx, org.id, "dpo");
    const swedish = await makeStaff(ctx, org.id, "dpo", { locale: "sv" });
    await makeRequest(ctx, org, { status: "in_review", receivedAt: new Date("2026-01-05T09:00:00Z") });
    await alertNewlyOverdue(ctx);
    await sendDpoDigests(ctx);
    for (const template of ["staff_overdue_alert", "staff_digest"]) {
      const rows = await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.orgId, org.id), eq(outbox.template, template))));
      const byRecipient = Object.fromEntries(rows.map((r) => [r.recipient, r.locale]));
      expect(byRecipient, template).to.deep.equal({ [plain.email]: "fi", [swedish.email]: "sv" });
    }
  });
});
