import { expect } from "chai";
import { eq } from "drizzle-orm";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject, readyPrivacyInfo, readyRetentionRule } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { staffBrowser } from "../staff/helpers.js";
import { buildNow, insertRequest, unzip } from "../exports/helpers.js";
import { buildApp } from "../../src/app.js";
import { conversations, organizations, retentionPolicies } from "../../src/db/schema/index.js";
import { seedDemo } from "../../src/seed/demo.js";
import { checklistItems, checklistOf, settingsChecklist } from "../../src/settings/readiness.js";
import type { Organization } from "../../src/platform/http/types.js";
import { organizationsChanged } from "../../src/platform/organizations.js";

const requesterPages = ["/", "/sign-in", "/sign-in/email", "/sign-in/receipt", "/sign-in/password", "/password-reset", "/requests", "/requests/new/type", "/my-data/who-has-seen"];
const notOpen: Record<string, string> = { en: "Not open yet", fi: "Palvelu ei ole vielä auki", sv: "Inte öppet ännu", nl: "Nog niet open", et: "Veel avamata" };

describe("readiness: the checklist on the admin home, and the requester pages closed until it is complete", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("each required setting on its own keeps the organization from being ready", async () => {
    const org = await makeOrg(ctx, { locales: ["fi", "en"] });
    const ready = (await ctx.db.select().from(organizations).where(eq(organizations.id, org.id)))[0]!;
    expect(checklistOf(ready, true).every((i) => i.done)).to.equal(true);
    const info = readyPrivacyInfo(["fi", "en"]);
    const without: Record<(typeof checklistItems)[number], Partial<Organization> | "noRule"> = {
      purposes: { privacyInfo: { ...info, purposes: { fi: "Tarkoitus" } } },
      legalBases: { privacyInfo: { ...info, legalBases: { fi: "Peruste", en: "   " } } },
      categories: { privacyInfo: { ...info, categories: "A plain string is not per language" } },
      source: { privacyInfo: { ...info, source: {} } },
      transfers: { privacyInfo: { ...info, transfers: { outsideEea: true, details: { fi: "Yhdysvallat" } } } },
      dpo: { dpoEmail: null },
      authority: { authorityCountry: "US" },
      verification: { verificationMethods: { account: false, email: false, receipt: false } },
      senderName: { mailSenderName: " " },
      retention: "noRule",
    };
    for (const item of checklistItems) {
      const change = without[item];
      const items = change === "noRule" ? checklistOf(ready, false) : checklistOf({ ...ready, ...change }, true);
      expect(items.filter((i) => !i.done).map((i) => i.id), item).to.deep.equal([item]);
    }
    // "None" is an answer for transfers.
    expect(checklistOf({ ...ready, privacyInfo: { ...info, transfers: { outsideEea: false } } }, true).every((i) => i.done)).to.equal(true);
  });

  it("until ready, the requester pages say \"not open yet\" in the visitor's language; staff pages, /healthz, /verify, /how-to-complain work", async () => {
    const org = await makeOrg(ctx, { name: "Nuorten Apu" }, { ready: false });
    const app = buildApp(ctx);
    const host = `${org.slug}.test`;
    for (const path of requesterPages) {
      const res = await request(app).get(path).set("Host", host).set("Accept-Language", "en");
      expect(res.status, path).to.equal(503);
      expect(res.text, path).to.include("Not open yet").and.include("Nuorten Apu is getting this service ready");
      expect(res.text, path).not.to.include("Sorry, something went wrong");
    }
    for (const [lang, title] of Object.entries(notOpen)) {
      const res = await request(app).get("/").set("Host", host).set("Accept-Language", lang);
      expect(res.text, lang).to.include(`<html lang="${lang}">`).and.include(title);
    }
    // A requester with a session gets the same: nothing is served behind it.
    const subject = await makeSubject(ctx, org.id);
    const signedIn = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, host });
    expect((await signedIn.get("/requests")).status).to.equal(503);
    const token = /name="_csrf" value="([^"]+)"/.exec((await signedIn.get("/verify")).text)![1]!;
    expect((await signedIn.post("/requests/new/type").type("form").send({ _csrf: token, type: "access" })).status).to.equal(503);

    for (const path of ["/healthz", "/verify", "/how-to-complain", "/staff/sign-in"]) {
      expect((await request(app).get(path).set("Host", host)).status, path).to.equal(200);
    }
    // The staff area works: the admin sees the checklist.
    const admin = await makeStaff(ctx, org.id, "admin");
    const home = await (await staffBrowser(ctx, app, org, admin.id)).get("/staff/admin?lang=en");
    expect(home.status).to.equal(200);
    // The authority (from the country) and the ways to sign in have defaults; the rest is to do.
    expect(home.text).to.include("2 of 10 done");
  });

  it("the admin home lists each item with a link to fix it and its status; complete, the pages open", async () => {
    const org = await makeOrg(ctx, { locales: ["fi", "en"] }, { ready: false });
    const admin = await makeStaff(ctx, org.id, "admin");
    const app = buildApp(ctx);
    const a = await staffBrowser(ctx, app, org, admin.id);
    let home = await a.get("/staff/admin?lang=en");
    for (const item of (await settingsChecklist(ctx.db, org)).items) {
      expect(home.text, item.id).to.include(`href="${item.href}" aria-describedby="status-${item.id}"`);
    }
    expect((home.text.match(/Not done yet/g) ?? []).length).to.equal(8);
    expect(home.text).to.include('href="/staff/admin/settings/about#field-purposes"').and.include('href="/staff/retention"');

    await ctx.db.update(organizations).set({ privacyInfo: readyPrivacyInfo(["fi", "en"]), dpoEmail: "dpo@example.org", mailSenderName: "Apu" }).where(eq(organizations.id, org.id));
    // Changed behind the settings screen's back: tell the organization cache, as updateSettings does.
    organizationsChanged(ctx);
    home = await a.get("/staff/admin?lang=en");
    expect((home.text.match(/Not done yet/g) ?? []).length).to.equal(1);
    expect((await request(app).get("/").set("Host", `${org.slug}.test`)).status).to.equal(503);

    await ctx.db.insert(retentionPolicies).values({ orgId: org.id, ...readyRetentionRule });
    home = await a.get("/staff/admin?lang=en");
    expect(home.text).not.to.include("Not done yet");
    expect(home.text).to.include("Everything is filled in: your request pages are open.");
    const start = await request(app).get("/").set("Host", `${org.slug}.test`).set("Accept-Language", "en");
    expect(start.status).to.equal(200);
    expect(start.text).to.include("Your chats, your rights");
  });

  it("builds no access package for an organization that is not ready, and a ready one's never sends the requester to \"ask our DPO\"", async () => {
    const unready = await makeOrg(ctx, {}, { ready: false });
    const subject = await makeSubject(ctx, unready.id);
    await makeConversation(ctx, unready.id, { subjectId: subject.id });
    const r = await insertRequest(ctx, { orgId: unready.id, subjectId: subject.id });
    const refused = await buildNow(ctx, r.id, "access_zip");
    expect(refused.row).to.include({ status: "failed", error: "settings_incomplete" });
    expect(refused.row.path).to.equal(null);

    const org = await makeOrg(ctx, { locales: ["fi", "en"] });
    const person = await makeSubject(ctx, org.id);
    await makeConversation(ctx, org.id, { subjectId: person.id });
    const ok = await insertRequest(ctx, { orgId: org.id, subjectId: person.id, locale: "fi", type: "export" });
    const built = await buildNow(ctx, ok.id, "export_json");
    expect(built.row.status).to.equal("ready");
    const files = await unzip(built.file);
    const info = JSON.parse(files.get("information.json")!.toString("utf8"));
    expect(info.legalBases).to.deep.equal(["Answering chats: a task in the public interest (fi)"]);
    expect(info.transfers).to.deep.equal({ outsideEea: false, details: ["Emme siirrä tietojasi EU:n ja ETA:n ulkopuolelle."] });
    expect(info.retention).to.deep.equal(["Keskustelusi poistetaan, kun keskustelusta on kulunut 100 vuotta."]);
    const readme = files.get("README.html")!.toString("utf8");
    expect(readme).not.to.match(/tietosuojavastaavalta|data protection officer:|askDpo/);
  });

  it("the demo seed fills every setting, so the demo organization is ready at once", async () => {
    const demo = await seedDemo(ctx);
    const [org] = await ctx.db.select().from(organizations).where(eq(organizations.id, demo.orgId));
    const { items, ready } = await settingsChecklist(ctx.db, org!);
    expect(items.filter((i) => !i.done)).to.deep.equal([]);
    expect(ready).to.equal(true);
    for (const locale of ["fi", "sv", "en", "nl", "et"]) {
      expect((org!.privacyInfo.purposes as Record<string, string>)[locale], locale).to.be.a("string").with.length.greaterThan(20);
    }
    // This helpline stores IP addresses (so police can find a child in danger): the seed's chats have them.
    const [conv] = await ctx.db.select().from(conversations).where(eq(conversations.orgId, demo.orgId)).limit(1);
    expect(conv!.ipEnc).to.not.equal(null);
  });
});
