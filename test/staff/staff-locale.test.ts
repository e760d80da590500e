import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { outbox, sessions, staffUsers } from "../../src/db/schema/index.js";
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
