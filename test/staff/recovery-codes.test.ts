import { expect } from "chai";
import { eq } from "drizzle-orm";
import { generate } from "otplib";
import type { Express } from "express";
import { buildApp } from "../../src/app.js";
import { auditLog, sessions, staffRecoveryCodes, staffUsers } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import { Browser } from "../identity/helpers.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, TEST_PASSWORD } from "../support/factories.js";
import { enrolledTotp, staffBrowser } from "./helpers.js";

describe("staff two-factor: recovery codes and an admin's reset", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let app: Express;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    app = buildApp(ctx);
  });

  const codesOn = (html: string) => [...html.matchAll(/<code class="code">([0-9A-Z]{5}-[0-9A-Z]{5})<\/code>/g)].map((m) => m[1]!);
  const totpNow = async (staffId: string) => {
    const [row] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, staffId));
    return generate({ secret: ctx.keys.openWithMaster(row!.totpSecretEnc!, "totp"), epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
  };
  const stageOf = async (b: Browser) => (await ctx.db.select().from(sessions).where(eq(sessions.idHash, sha256Hex(b.sessionToken ?? ""))))[0]?.stage;

  async function passwordStep(email: string, expectNext: string): Promise<Browser> {
    const b = new Browser(app, { Host: `${org.slug}.test` });
    const res = await b.submit("/staff/sign-in", "/staff/sign-in", { email, password: TEST_PASSWORD });
    expect(res.headers.location).to.equal(expectNext);
    return b;
  }

  /** Enrols at first sign-in and returns the ten codes shown. */
  async function enrol(staffId: string, email: string): Promise<{ browser: Browser; codes: string[] }> {
    const b = await passwordStep(email, "/staff/totp/setup");
    await b.get("/staff/totp/setup");
    const res = await b.post("/staff/totp", { enrol: "1", code: await totpNow(staffId) });
    expect(res.headers.location).to.equal("/staff/totp/recovery-codes");
    const page = await b.get("/staff/totp/recovery-codes");
    expect(page.status).to.equal(200);
    expect(page.headers["cache-control"]).to.equal("no-store");
    return { browser: b, codes: codesOn(page.text) };
  }

  it("shows ten codes once after enrolment, keeps only keyed hashes, and opens the staff area only once they are acknowledged", async () => {
    const reviewer = await makeStaff(ctx, org.id, "reviewer");
    const { browser, codes } = await enrol(reviewer.id, reviewer.email);
    expect(codes).to.have.length(10);
    expect(new Set(codes).size).to.equal(10);
    // Only HMACs at rest, never the codes in any spelling.
    const rows = await ctx.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, reviewer.id));
    expect(rows).to.have.length(10);
    const stored = JSON.stringify(rows);
    for (const c of codes) expect(stored).to.not.include(c).and.not.include(c.replace("-", ""));
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.codeHash) && r.usedAt === null && r.orgId === org.id)).to.equal(true);

    // Not signed in yet: the staff area, a second app code, or a POST without the page do not skip the codes.
    expect(await stageOf(browser)).to.equal("recovery_codes");
    expect((await browser.get("/staff")).headers.location).to.match(/^\/staff\/sign-in/);
    ctx.clock.advance(30_000);
    expect((await browser.post("/staff/totp", { code: await totpNow(reviewer.id) })).headers.location).to.equal("/staff/totp/recovery-codes");
    expect((await browser.get("/staff/totp")).headers.location).to.equal("/staff/totp/recovery-codes");

    // A reload makes a new set: only the set last shown works.
    const again = codesOn((await browser.get("/staff/totp/recovery-codes")).text);
    expect(again).to.have.length(10);
    expect(again.filter((c) => codes.includes(c))).to.deep.equal([]);
    const res = await browser.post("/staff/totp/recovery-codes");
    expect(res.headers.location).to.equal("/staff");
    expect((await browser.get("/staff")).status).to.equal(200);
    // Shown once: afterwards the page is not there to show them again.
    expect((await browser.get("/staff/totp/recovery-codes")).status).to.equal(409);
    expect(await ctx.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, reviewer.id))).to.have.length(10);

    const actions = (await ctx.db.select().from(auditLog).where(eq(auditLog.targetId, reviewer.id))).map((a) => a.action);
    expect(actions.filter((a) => a === "staff.recovery_codes.issued")).to.have.length(2);
    expect(actions).to.include.members(["staff.totp.enrolled", "staff.sign_in.succeeded"]);
    expect(JSON.stringify(await ctx.db.select().from(auditLog))).to.not.include(again[0]!.replace("-", ""));
  });

  it("takes a recovery code instead of the app's code, once, audited, and says how many are left", async () => {
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const { browser, codes } = await enrol(dpo.id, dpo.email);
    await browser.post("/staff/totp/recovery-codes");

    // Lost phone: sign in with a code typed sloppily (small letters, spaces, no dash).
    const b = await passwordStep(dpo.email, "/staff/totp");
    await b.get("/staff/totp");
    const typed = ` ${codes[3]!.toLowerCase().replace("-", " ")} `;
    let res = await b.post("/staff/totp?lang=fi", { code: typed });
    expect(res.status).to.equal(200);
    expect(res.headers["cache-control"]).to.equal("no-store");
    expect(res.text).to.include("Varakoodeja jäljellä: 9");
    expect(await stageOf(b)).to.equal("complete");
    expect((await b.get("/staff")).status).to.equal(200);
    expect((await b.get("/staff/account?lang=en")).text).to.match(/Recovery codes left<\/dt><dd>9</);
    const [used] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.recovery_code.used"));
    expect(used).to.include({ actorId: dpo.id, targetId: dpo.id });
    expect(used!.details).to.deep.equal({ remaining: 9 });

    // The same code never works again; nor does a made-up one or another staff member's.
    const other = await makeStaff(ctx, org.id, "dpo");
    const { browser: ob, codes: otherCodes } = await enrol(other.id, other.email);
    await ob.post("/staff/totp/recovery-codes");
    for (const bad of [codes[3]!, "ABCDE-FGHJK", otherCodes[0]!]) {
      const c = await passwordStep(dpo.email, "/staff/totp");
      await c.get("/staff/totp");
      res = await c.post("/staff/totp", { code: bad });
      expect(res.status, bad).to.equal(422);
      expect(res.text).to.include("The code is not right or has already been used");
      expect(await stageOf(c)).to.equal("password");
    }
    // Running low: the page says what to do. (A new rate-limit window for the sign-ins.)
    ctx.clock.advance(16 * 60_000);
    for (const code of codes.slice(4, 10)) {
      const c = await passwordStep(dpo.email, "/staff/totp");
      await c.get("/staff/totp");
      res = await c.post("/staff/totp", { code });
      expect(res.status).to.equal(200);
    }
    expect(res.text).to.include("Recovery codes left: 3").and.include("Ask an administrator to reset your two-step sign-in");
    expect((await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.totp.failed"))).length).to.equal(3);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("keeps staff who enrolled before recovery codes existed signing in with their app", async () => {
    const dpo = await makeStaff(ctx, org.id, "dpo", enrolledTotp(ctx));
    const b = await passwordStep(dpo.email, "/staff/totp");
    await b.get("/staff/totp");
    expect((await b.post("/staff/totp", { code: "ABCDE-FGHJK" })).status).to.equal(422);
    const res = await b.post("/staff/totp", { code: await totpNow(dpo.id) });
    expect(res.headers.location).to.equal("/staff");
    expect((await b.get("/staff")).status).to.equal(200);
  });

  it("lets an admin reset another member's two-factor after re-authentication: audited, signed out, re-enrols with new codes", async () => {
    const admin = await makeStaff(ctx, org.id, "admin", enrolledTotp(ctx));
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const { browser: member, codes } = await enrol(dpo.id, dpo.email);
    await member.post("/staff/totp/recovery-codes");
    expect((await member.get("/staff")).status).to.equal(200);

    const a = await staffBrowser(ctx, app, org, admin.id);
    const list = await a.get("/staff/admin/staff");
    expect(list.text).to.include(`action="/staff/admin/staff/${dpo.id}/reset-totp"`).and.not.include(`action="/staff/admin/staff/${admin.id}/reset-totp"`);
    // Not re-authenticated for 10 minutes: the password first.
    ctx.clock.advance(11 * 60_000);
    let res = await a.post(`/staff/admin/staff/${dpo.id}/reset-totp`);
    expect(res.headers.location).to.match(/^\/staff\/reauth/);
    expect((await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, dpo.id)))[0]!.totpEnrolledAt).to.not.equal(null);
    await a.get("/staff/reauth");
    await a.post("/staff/reauth", { password: TEST_PASSWORD, next: "/staff/admin/staff" });
    res = await a.post(`/staff/admin/staff/${dpo.id}/reset-totp`);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/staff/admin/staff?done=resetTotp#staff-${dpo.id}`);
    expect((await a.get("/staff/admin/staff?done=resetTotp")).text).to.include("Two-step sign-in has been reset");

    const [reset] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, dpo.id));
    expect(reset).to.include({ totpSecretEnc: null, totpEnrolledAt: null });
    expect(await ctx.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, dpo.id))).to.have.length(0);
    expect(await ctx.db.select().from(sessions).where(eq(sessions.staffId, dpo.id))).to.have.length(0);
    expect((await member.get("/staff")).headers.location).to.match(/^\/staff\/sign-in/);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.totp.reset"));
    expect(entry).to.include({ actorId: admin.id, targetId: dpo.id });
    expect(entry!.details).to.deep.equal({ wasEnrolled: true, recoveryCodesDeleted: 10, sessionsEnded: 1 });

    // The old codes are gone; the next sign-in enrols a new app and shows ten new codes.
    const { codes: fresh } = await enrol(dpo.id, dpo.email);
    expect(fresh).to.have.length(10);
    expect(fresh.filter((c) => codes.includes(c))).to.deep.equal([]);

    // Not oneself; not another organization's member.
    expect((await a.post(`/staff/admin/staff/${admin.id}/reset-totp`)).status).to.equal(403);
    const foreignOrg = await makeOrg(ctx);
    const foreign = await makeStaff(ctx, foreignOrg.id, "dpo", enrolledTotp(ctx));
    expect((await a.post(`/staff/admin/staff/${foreign.id}/reset-totp`)).status).to.equal(404);
    expect((await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, foreign.id)))[0]!.totpEnrolledAt).to.not.equal(null);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });
});
