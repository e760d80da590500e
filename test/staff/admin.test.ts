import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { generate } from "otplib";
import { makeOrg, makeStaff, TEST_PASSWORD } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import type { TestContext } from "../support/context.js";
import { Browser, contextWithSmtp, deliverMail, textPart, TestSmtpServer } from "../identity/helpers.js";
import { buildApp } from "../../src/app.js";
import { auditLog, sessions, staffUsers } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { staffBrowser } from "./helpers.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import { renderMail } from "../../src/mail/render.js";

describe("staff admin: invite, accept, disable, enable, change role", function () {
  this.timeout(120_000);
  const smtp = new TestSmtpServer();
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let admin: Awaited<ReturnType<typeof makeStaff>>;
  let app: ReturnType<typeof buildApp>;
  const host = () => ({ Host: `${org.slug}.test` });

  before(() => smtp.start());
  after(() => smtp.stop());
  beforeEach(async () => {
    ctx = await contextWithSmtp(smtp);
    org = await makeOrg(ctx, { name: "Tukilinja ry", defaultLocale: "en" });
    admin = await makeStaff(ctx, org.id, "admin", { name: "Anna Admin" });
    app = buildApp(ctx);
  });

  const browserFor = (staffId: string) => staffBrowser(ctx, app, org, staffId);

  it("invites by e-mail with only a link and the org name, and the invitee sets a password then enrols TOTP", async () => {
    const a = await browserFor(admin.id);
    const list = await a.get("/staff/admin/staff");
    expect(list.status).to.equal(200);
    expect(list.text).to.include(admin.email).and.include("Anna Admin");
    let res = await a.post("/staff/admin/staff/invite", { name: "Liisa Uusi", email: "Liisa.Uusi@Example.test", role: "dpo", locale: "fi" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/admin/staff?done=invited");

    const [row] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.email, "liisa.uusi@example.test"));
    expect(row).to.include({ orgId: org.id, role: "dpo", locale: "fi", passwordHash: null });
    expect(row!.inviteExpiresAt!.getTime() - ctx.clock.now().getTime()).to.equal(72 * 3_600_000);

    await deliverMail(ctx);
    const [mail] = smtp.to("liisa.uusi@example.test");
    const text = textPart(mail!.raw);
    const token = /\/staff\/invite\/([\w-]+)/.exec(text)![1]!;
    expect(row!.inviteTokenHash).to.equal(sha256Hex(token)).and.not.include(token);
    // Nothing but the link and the organization's name: exactly the template rendered with those.
    // On the organization's own host (BASE_URL's scheme and port): the link only works there.
    const base = new URL(ctx.config.BASE_URL);
    const inviteUrl = `${base.protocol}//${org.hostnames[0]}${base.port ? `:${base.port}` : ""}/staff/invite/${token}`;
    const expected = await renderMail("staff_invitation", "fi", { inviteUrl, orgName: "Tukilinja ry", days: 3 });
    expect(text.replace(/\r\n/g, "\n").trim()).to.equal(expected.text.trim());
    for (const secret of ["Liisa", "Tietosuojavastaava", "Anna Admin", admin.email]) expect(mail!.raw).to.not.include(secret);

    // The invitee: the token leaves the address bar at once; a short password is refused.
    const invitee = new Browser(app, host());
    res = await invitee.get(`/staff/invite/${token}`);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/invite");
    const form = await invitee.get("/staff/invite");
    expect(form.status).to.equal(200);
    expect(form.text).to.include("Liisa Uusi").and.include("Tukilinja ry");
    res = await invitee.post("/staff/invite", { password: "short", confirm: "short" });
    expect(res.status).to.equal(422);
    // Long enough but guessable: a common password, or one built from the address or the organization's name.
    res = await invitee.post("/staff/invite", { password: "iloveyou123456", confirm: "iloveyou123456" });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("too easy to guess").and.include("passphrase");
    for (const personal of ["Liisa.Uusi.2026", "Tukilinja ry 2026!"]) {
      res = await invitee.post("/staff/invite", { password: personal, confirm: personal });
      expect(res.status, personal).to.equal(422);
      expect(res.text).to.include("built from your e-mail address or the organization&#39;s name");
    }
    res = await invitee.post("/staff/invite", { password: "a brand new staff password", confirm: "a brand new staff password" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/sign-in?welcome=1");
    const [accepted] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, row!.id));
    expect(accepted!.passwordHash).to.match(/^\$argon2id\$/);
    expect(accepted!.inviteTokenHash).to.equal(null);

    // The link works once.
    const again = new Browser(app, host());
    await again.get(`/staff/invite/${token}`);
    expect((await again.get("/staff/invite")).status).to.equal(410);

    // First sign-in: the DPO enrols a second factor; their language comes with them.
    const signIn = await invitee.get("/staff/sign-in?welcome=1");
    expect(signIn.text).to.include("Your password is set.");
    res = await invitee.post("/staff/sign-in", { email: "liisa.uusi@example.test", password: "a brand new staff password" });
    expect(res.headers.location).to.equal("/staff/totp/setup");
    expect(String(res.headers["set-cookie"])).to.include("rd_lang=fi");
    const setup = await invitee.get("/staff/totp/setup");
    expect(setup.status).to.equal(200);
    const [enrolling] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, row!.id));
    const secret = ctx.keys.openWithMaster(enrolling!.totpSecretEnc!, "totp");
    res = await invitee.post("/staff/totp", { enrol: "1", code: await generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) }) });
    expect(res.headers.location).to.equal("/staff/totp/recovery-codes");
    expect((await invitee.get("/staff/totp/recovery-codes")).status).to.equal(200);
    res = await invitee.post("/staff/totp/recovery-codes");
    expect(res.headers.location).to.equal("/staff");
    expect((await invitee.get("/staff")).status).to.equal(200);

    const actions = (await ctx.db.select().from(auditLog).where(eq(auditLog.targetId, row!.id))).map((e) => e.action);
    expect(actions).to.include.members(["staff.invited", "staff.invitation.accepted", "staff.totp.enrolled"]);
    const [invitedEntry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.invited"));
    expect(JSON.stringify(invitedEntry!.details)).to.not.include("liisa");
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("refuses an expired or wrong invitation link, audits it, and rate-limits acceptance like sign-in", async () => {
    const a = await browserFor(admin.id);
    await a.get("/staff/admin/staff");
    await a.post("/staff/admin/staff/invite", { name: "Late Larry", email: "larry@example.test", role: "reviewer", locale: "" });
    await deliverMail(ctx);
    const token = /\/staff\/invite\/([\w-]+)/.exec(textPart(smtp.to("larry@example.test")[0]!.raw))![1]!;
    ctx.clock.advance(72 * 3_600_000 + 60_000);
    const late = new Browser(app, host());
    await late.get(`/staff/invite/${token}`);
    expect((await late.get("/staff/invite")).status).to.equal(410);
    await late.get("/staff/sign-in");
    const refused = await late.post("/staff/invite", { password: "a brand new staff password", confirm: "a brand new staff password" });
    expect(refused.status).to.equal(410);
    expect(refused.text).to.include("older than 72 hours");
    const failures = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.invitation.failed"));
    expect(failures).to.have.length(1);
    expect(failures[0]!.ipPseudonym).to.not.equal(null);
    const [larry] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.email, "larry@example.test"));
    expect(larry!.passwordHash).to.equal(null);

    // The list shows the invitation as expired; inviting the address again sends a fresh link.
    const a2 = await browserFor(admin.id);
    expect((await a2.get("/staff/admin/staff")).text).to.include("Invitation expired");
    expect((await a2.post("/staff/admin/staff/invite", { name: "Late Larry", email: "larry@example.test", role: "reviewer", locale: "" })).status).to.equal(303);

    // Ten tries per link per 15 minutes (the one above included), as for sign-in per address.
    let status = 0;
    for (let i = 1; i < 10; i++) status = (await late.post("/staff/invite", { password: "x", confirm: "x" })).status;
    expect(status).to.equal(410);
    expect((await late.post("/staff/invite", { password: "x", confirm: "x" })).status).to.equal(429);
  });

  it("disables at once (sessions end), re-enables, and never disables oneself or removes the last admin", async () => {
    const reviewer = await makeStaff(ctx, org.id, "reviewer");
    const victim = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: reviewer.id, host: `${org.slug}.test` });
    await victim.get("/staff").expect(200);
    const a = await browserFor(admin.id);
    await a.get("/staff/admin/staff");
    let res = await a.post(`/staff/admin/staff/${reviewer.id}/disable`);
    expect(res.status).to.equal(303);
    expect(await ctx.db.select().from(sessions).where(eq(sessions.staffId, reviewer.id))).to.have.length(0);
    expect((await victim.get("/staff")).headers.location).to.match(/^\/staff\/sign-in/);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.disabled"));
    expect(entry).to.include({ actorId: admin.id, targetId: reviewer.id });
    expect(entry!.details).to.deep.include({ sessionsEnded: 1 });
    const list = await a.get("/staff/admin/staff?done=disable");
    expect(list.text).to.include("has been disabled and signed out").and.include("Disabled on");

    const signIn = new Browser(app, host());
    await signIn.get("/staff/sign-in");
    expect((await signIn.post("/staff/sign-in", { email: reviewer.email, password: TEST_PASSWORD })).status).to.equal(422);
    expect((await a.post(`/staff/admin/staff/${reviewer.id}/enable`)).status).to.equal(303);
    await signIn.get("/staff/sign-in");
    // Re-enabled, a reviewer too must set up a second factor before the staff area opens.
    expect((await signIn.post("/staff/sign-in", { email: reviewer.email, password: TEST_PASSWORD })).headers.location).to.equal("/staff/totp/setup");

    // Not oneself; not the last admin.
    expect((await a.post(`/staff/admin/staff/${admin.id}/disable`)).status).to.equal(403);
    res = await a.post(`/staff/admin/staff/${admin.id}/role`, { role: "dpo" });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("at least one active administrator");
    const [still] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, admin.id));
    expect(still!.role).to.equal("admin");

    // With a second admin the first may be demoted; a role change ends that person's sessions.
    const admin2 = await makeStaff(ctx, org.id, "admin");
    const other = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: admin2.id, host: `${org.slug}.test` });
    res = await a.post(`/staff/admin/staff/${admin2.id}/role`, { role: "dpo" });
    expect(res.status).to.equal(303);
    expect((await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, admin2.id)))[0]!.role).to.equal("dpo");
    expect((await other.get("/staff")).headers.location).to.match(/^\/staff\/sign-in/);
    const [changed] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.role_changed"));
    expect(changed!.details).to.deep.include({ from: "admin", to: "dpo" });

    // Another organization's staff member is not found, by id.
    const foreignOrg = await makeOrg(ctx);
    const foreign = await makeStaff(ctx, foreignOrg.id, "reviewer");
    expect((await a.post(`/staff/admin/staff/${foreign.id}/disable`)).status).to.equal(404);
    expect((await ctx.db.select().from(staffUsers).where(and(eq(staffUsers.id, foreign.id))))[0]!.disabledAt).to.equal(null);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("sends an admin to the admin home (the set-up checklist) after sign-in and from the queue's address", async () => {
    const a = await browserFor(admin.id);
    const res = await a.get("/staff");
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/admin");
  });
});
