import fs from "node:fs";
import { expect } from "chai";
import { asc, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog, retentionPolicies } from "../../src/db/schema/index.js";
import { categoryRules, policyErrors, retentionCategories } from "../../src/retention/categories.js";
import { retentionPresets } from "../../src/retention/presets.js";
import { runRetention } from "../../src/retention/run-retention.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { at } from "./helpers.js";

describe("retention policies", () => {
  describe("what each category allows", () => {
    it("truncating an IP address only for IP addresses; tombstones only for chats and closed requests", () => {
      for (const category of retentionCategories) {
        const ip = policyErrors(category, { periodDays: 30, basis: categoryRules[category].bases[0]!, action: "truncate_ip" });
        expect(Object.keys(ip), category).to.deep.equal(category === "ip_addresses" ? [] : ["action"]);
        const tomb = policyErrors(category, { periodDays: 30, basis: categoryRules[category].bases[0]!, action: "tombstone" });
        expect(Object.keys(tomb), category).to.deep.equal(["conversations", "closed_requests"].includes(category) ? [] : ["action"]);
      }
    });

    it("inactive accounts count from last activity, unactivated ones and the audit log from creation", () => {
      expect(policyErrors("inactive_accounts", { periodDays: 540, basis: "created", action: "delete" })).to.deep.equal({ basis: "retention.errors.basisNotAllowed" });
      expect(policyErrors("unactivated_accounts", { periodDays: 30, basis: "last_activity", action: "delete" })).to.deep.equal({ basis: "retention.errors.basisNotAllowed" });
      expect(policyErrors("audit_log", { periodDays: 30, basis: "last_activity", action: "delete" })).to.have.property("basis");
    });

    it("a period is a whole number of days from 1 to 36500", () => {
      for (const bad of [0, -1, 1.5, 36_501]) expect(policyErrors("outbox", { periodDays: bad, basis: "created", action: "delete" })).to.have.property("periodDays");
      expect(policyErrors("outbox", { periodDays: 36_500, basis: "created", action: "delete" })).to.deep.equal({});
    });

    it("every preset is valid, and they reproduce the helplines' promises", () => {
      for (const [id, preset] of Object.entries(retentionPresets)) {
        for (const [category, p] of Object.entries(preset)) expect(policyErrors(category as never, p), `${id} ${category}`).to.deep.equal({});
      }
      expect(retentionPresets.chats_2_months.conversations).to.deep.equal({ periodDays: 60, basis: "created", action: "delete" });
      expect(retentionPresets.logs_15_months.conversations).to.deep.equal({ periodDays: 450, basis: "created", action: "delete" });
      expect(retentionPresets.logs_15_months.subject_accounts).to.deep.equal({ periodDays: 730, basis: "created", action: "delete" });
      expect(retentionPresets.last_conversation_2_years.conversations).to.deep.equal({ periodDays: 730, basis: "last_activity", action: "tombstone" });
      expect(retentionPresets.last_conversation_2_years.subject_accounts).to.deep.equal({ periodDays: 730, basis: "last_activity", action: "delete" });
      expect(retentionPresets.accounts_18_months.inactive_accounts).to.deep.equal({ periodDays: 540, basis: "last_activity", action: "delete" });
      expect(retentionPresets.accounts_18_months.unactivated_accounts).to.deep.equal({ periodDays: 30, basis: "created", action: "delete" });
    });

    it("every retention and audit text exists in all five languages", () => {
      const keys = (o: unknown, prefix = ""): string[] =>
        typeof o === "string" ? [prefix] : Object.entries(o as object).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
      for (const capability of ["retention", "audit"]) {
        const en = keys(JSON.parse(fs.readFileSync(`src/${capability}/locales/en.json`, "utf8"))).sort();
        for (const locale of ["fi", "sv", "nl", "et"]) {
          const other = keys(JSON.parse(fs.readFileSync(`src/${capability}/locales/${locale}.json`, "utf8"))).sort();
          expect(other, `${capability}/${locale}`).to.deep.equal(en);
        }
      }
    });
  });

  describe("the admin screen", () => {
    let ctx: TestContext;
    let app: ReturnType<typeof buildApp>;
    let org: Awaited<ReturnType<typeof makeOrg>>;
    let admin: Agent;
    beforeEach(async () => {
      ctx = await freshContext();
      // No rules yet: the screen starts empty.
      org = await makeOrg(ctx, {}, { ready: false });
      app = buildApp(ctx);
      const a = await makeStaff(ctx, org.id, "admin");
      admin = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: a.id, host: `${org.slug}.test` });
    });

    const policies = () => ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, org.id)).orderBy(asc(retentionPolicies.category));
    const entries = (action: string) => ctx.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(asc(auditLog.seq));

    it("an admin applies a preset, then adjusts a rule; each change is audited with old and new values", async () => {
      let token = await csrfFrom(admin, "/staff/retention");
      let res = await admin.post("/staff/retention/preset").type("form").send({ preset: "chats_2_months", _csrf: token });
      expect(res.status).to.equal(303);
      const applied = await policies();
      expect(Object.fromEntries(applied.map((p) => [p.category, { periodDays: p.periodDays, basis: p.basis, action: p.action }]))).to.deep.equal(retentionPresets.chats_2_months);
      const [presetEntry] = await entries("retention.preset_applied");
      expect(presetEntry!.details).to.deep.include({ preset: "chats_2_months", old: {} });
      expect((presetEntry!.details.new as Record<string, unknown>).conversations).to.deep.equal({ action: "delete", basis: "created", periodDays: 60 });

      token = await csrfFrom(admin, "/staff/retention");
      res = await admin.post("/staff/retention/policies/conversations").type("form").send({ periodDays: "90", basis: "created", action: "tombstone", _csrf: token });
      expect(res.status).to.equal(303);
      const [changed] = await entries("retention.policy_changed");
      expect(changed!.details).to.deep.equal({
        category: "conversations",
        old: { periodDays: 60, basis: "created", action: "delete" },
        new: { periodDays: 90, basis: "created", action: "tombstone" },
      });
      expect(changed!.actorRole).to.equal("admin");

      token = await csrfFrom(admin, "/staff/retention");
      res = await admin.post("/staff/retention/policies/ip_addresses/remove").type("form").send({ _csrf: token });
      expect(res.status).to.equal(303);
      expect((await policies()).map((p) => p.category)).not.to.include("ip_addresses");
      const [removed] = await entries("retention.policy_removed");
      expect(removed!.details).to.deep.equal({ category: "ip_addresses", old: { periodDays: 60, basis: "created", action: "truncate_ip" }, new: null });
      expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
    });

    it("a rule the category does not allow is refused next to its field, in the admin's language, and nothing is stored", async () => {
      const token = await csrfFrom(admin, "/staff/retention");
      const res = await admin.post("/staff/retention/policies/conversations?lang=fi").type("form").send({ periodDays: "abc", basis: "created", action: "truncate_ip", _csrf: token });
      expect(res.status).to.equal(422);
      expect(res.text).to.include('id="field-conversations-periodDays-error"');
      expect(res.text).to.include('href="#field-conversations-periodDays"');
      expect(res.text).to.include("Anna päivien määrä kokonaislukuna");
      expect(await policies()).to.deep.equal([]);
      expect(await entries("retention.policy_changed")).to.deep.equal([]);

      const again = await admin.post("/staff/retention/policies/conversations").type("form").send({ periodDays: "30", basis: "created", action: "truncate_ip", _csrf: token });
      expect(again.status).to.equal(422);
      expect(again.text).to.include('id="field-conversations-action-error"');
      expect(await policies()).to.deep.equal([]);
    });

    it("an unknown category is not found", async () => {
      const token = await csrfFrom(admin, "/staff/retention");
      const res = await admin.post("/staff/retention/policies/everything").type("form").send({ periodDays: "30", basis: "created", action: "delete", _csrf: token });
      expect(res.status).to.equal(404);
    });

    it("the DPO sees the rules and each run's counts, but no forms to change them", async () => {
      const dpoRow = await makeStaff(ctx, org.id, "dpo");
      const dpo = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpoRow.id, host: `${org.slug}.test` });
      await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "conversations", periodDays: 60, basis: "created", action: "delete" });
      await makeConversation(ctx, org.id, { startedAt: at(ctx.clock.now(), -100) });
      await makeConversation(ctx, org.id, { startedAt: at(ctx.clock.now(), -100) });
      await runRetention(ctx);

      const token = await csrfFrom(dpo, "/staff/retention");
      const preview = await dpo.post("/staff/retention/preview").type("form").send({ _csrf: token });
      expect(preview.status).to.equal(303);
      const page = await dpo.get("/staff/retention");
      expect(page.status).to.equal(200);
      expect(page.text).to.include("Delete, 60 days (about 2 months) after creation");
      expect(page.text).to.include("Chats (messages, notes and statements): 2");
      expect(page.text).to.include("Chats (messages, notes and statements) – messages: 4");
      expect(page.text).to.include("Preview");
      expect(page.text).not.to.include('action="/staff/retention/policies/');
      expect(page.text).not.to.include('action="/staff/retention/preset"');
    });
  });
});
