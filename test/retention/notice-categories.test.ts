import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { requestMessages, requests, retentionPolicies, subjects } from "../../src/db/schema/index.js";
import { newReference } from "../../src/platform/codes.js";
import { translator } from "../../src/platform/i18n.js";
import { applyRetentionPreset } from "../../src/retention/apply-preset.js";
import { presetDiff, retentionPresets } from "../../src/retention/presets.js";
import { retentionSentences } from "../../src/retention/retention-sentences.js";
import { runRetention } from "../../src/retention/run-retention.js";
import type { StaffActor } from "../../src/platform/policy.js";
import { addMessages } from "../support/request-texts.js";

const DAY = 86_400_000;

describe("retention: the categories the helplines' notices promise, and presets that keep what they do not mention", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let admin: StaffActor;
  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx);
    const a = await makeStaff(ctx, org.id, "admin");
    admin = { type: "staff", id: a.id, orgId: org.id, role: "admin", name: a.name, email: a.email };
    // A ready organization starts with rules of its own: these tests start from none.
    await ctx.db.delete(retentionPolicies).where(eq(retentionPolicies.orgId, org.id));
  });

  it("the school programme's notice (EE 004) becomes rules and plain sentences: 18 months, 2 years, 30 days, 24 hours, contact forms 1 year, backups 12 months", async () => {
    await applyRetentionPreset(ctx, admin, "school_programme");
    const text = (await retentionSentences(ctx.db, org.id, translator("en"), "en")).join("\n");
    expect(text).to.include("An account with a password that nobody has used for 18 months is deleted.");
    expect(text).to.include("An account without a password (known only by its e-mail address) that nobody has used for 2 years is deleted.");
    expect(text).to.include("An account that was never used is deleted 1 month after it was created.");
    expect(text).to.include("An account that was never linked to a chat is deleted 1 day after it was created.");
    expect(text).to.include("What you send us through a contact form is deleted 1 year after you sent it.");
    expect(text).to.include("Our backups are kept for 12 months");
    for (const locale of ["fi", "sv", "nl", "et"] as const) {
      const other = await retentionSentences(ctx.db, org.id, translator(locale), locale);
      expect(other.join("\n"), locale).to.not.include("backups").and.not.match(/\{\w+\}/);
      expect(other, locale).to.have.length(text.split("\n").length);
    }
  });

  it("the Swedish support chat's notice clears e-mail correspondence after 2 years", async () => {
    await applyRetentionPreset(ctx, admin, "logs_15_months");
    const text = (await retentionSentences(ctx.db, org.id, translator("en"), "en")).join("\n");
    expect(text).to.include("Our e-mail correspondence with you is deleted 2 years after each message.");
  });

  it("a preset shows its differences and keeps the rules it does not mention", async () => {
    await ctx.db.insert(retentionPolicies).values([
      { orgId: org.id, category: "backups", periodDays: 90, basis: "created", action: "delete" },
      { orgId: org.id, category: "exports", periodDays: 7, basis: "created", action: "delete" },
    ]);
    const diff = await presetDiff(ctx.db, org.id, "chats_2_months");
    expect(diff.find((d) => d.category === "exports")).to.deep.include({ change: "changed", from: { periodDays: 7, basis: "created", action: "delete" } });
    expect(diff.find((d) => d.category === "conversations")).to.deep.include({ change: "added", from: null });
    expect(diff.find((d) => d.category === "backups")).to.deep.include({ change: "kept" });
    await applyRetentionPreset(ctx, admin, "chats_2_months");
    const rows = await ctx.db.select().from(retentionPolicies).where(eq(retentionPolicies.orgId, org.id));
    expect(rows.find((r) => r.category === "backups")!.periodDays).to.equal(90);
    expect(rows.find((r) => r.category === "exports")!.periodDays).to.equal(retentionPresets.chats_2_months.exports!.periodDays);

    const staff = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, kind: "staff", staffId: admin.id, host: `${org.slug}.test` });
    const token = await csrfFrom(staff, "/staff/retention");
    const page = await staff.post("/staff/retention/preset/preview").type("form").send({ _csrf: token, preset: "school_programme" });
    expect(page.status).to.equal(200);
    expect(page.text).to.include('action="/staff/retention/preset"').and.include('name="preset" value="school_programme"').and.include("Kept as it is");
  });

  it("sweeps accounts never linked to a chat and e-mail correspondence of closed requests, nothing else", async () => {
    await ctx.db.insert(retentionPolicies).values([
      { orgId: org.id, category: "unlinked_accounts", periodDays: 1, basis: "created", action: "delete" },
      { orgId: org.id, category: "email_correspondence", periodDays: 730, basis: "created", action: "delete" },
    ]);
    const old = new Date(ctx.clock.now().getTime() - 3 * DAY);
    const unlinked = await makeSubject(ctx, org.id, { createdAt: old });
    const linked = await makeSubject(ctx, org.id, { createdAt: old });
    await makeConversation(ctx, org.id, { subjectId: linked.id });
    const fresh = await makeSubject(ctx, org.id);
    const longAgo = new Date(ctx.clock.now().getTime() - 800 * DAY);
    const closed = await ctx.db.insert(requests).values({ orgId: org.id, reference: newReference(), subjectId: linked.id, type: "access", scope: "all_conversations", dedupeKey: "c", status: "completed", assurance: "account", locale: "en", receivedAt: longAgo, dueDate: "2024-01-01", effectiveDueDate: "2024-01-01" }).returning();
    const open = await ctx.db.insert(requests).values({ orgId: org.id, reference: newReference(), subjectId: linked.id, type: "access", scope: "all_conversations", dedupeKey: "o", status: "in_review", assurance: "account", locale: "en", receivedAt: longAgo, dueDate: "2024-01-01", effectiveDueDate: "2024-01-01" }).returning();
    for (const r of [closed[0]!, open[0]!]) await addMessages(ctx, [{ requestId: r.id, authorType: "requester", body: "old mail", createdAt: longAgo }]);
    await runRetention(ctx, {});
    const left = (await ctx.db.select({ id: subjects.id }).from(subjects)).map((s) => s.id);
    expect(left).to.include.members([linked.id, fresh.id]).and.not.include(unlinked.id);
    const msgs = await ctx.db.select().from(requestMessages);
    expect(msgs.map((m) => m.requestId)).to.deep.equal([open[0]!.id]);
  });
});
