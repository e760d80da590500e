import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { Express } from "express";
import { buildApp } from "../../src/app.js";
import { auditLog, outbox, passwordResets, sessions, subjects } from "../../src/db/schema/index.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import { requestPasswordReset, PASSWORD_RESET_FLOOR_MS } from "../../src/identity/request-password-reset.js";
import type { TestContext } from "../support/context.js";
import { makeOrg, makeSubject, TEST_PASSWORD } from "../support/factories.js";
import { Browser, contextWithSmtp, deliverMail, maskCsrf, resetTokenFromMail, TestSmtpServer, textPart } from "./helpers.js";

type Org = Awaited<ReturnType<typeof makeOrg>>;
const NEW_PASSWORD = "purple kettle mountain rain";

describe("identity: chat-account sign-in and password reset (real SMTP)", () => {
  const smtp = new TestSmtpServer();
  let ctx: TestContext;
  let app: Express;
  let org: Org;

  before(() => smtp.start());
  after(() => smtp.stop());
  beforeEach(async () => {
    smtp.inbox.length = 0;
    ctx = await contextWithSmtp(smtp);
    org = await makeOrg(ctx);
    app = buildApp(ctx);
  });
  afterEach(() => ctx.mail.close());

  const signIn = (browser: Browser, email: string, password: string, next?: string) =>
    browser.submit(`/sign-in/password${next ? `?next=${encodeURIComponent(next)}` : ""}`, "/sign-in/password", { email, password, ...(next ? { next } : {}) });

  async function sessionOf(browser: Browser) {
    const [row] = await ctx.db.select().from(sessions).where(eq(sessions.idHash, sha256Hex(browser.sessionToken ?? "")));
    return row;
  }

  it("signs in with e-mail and password (assurance account) and audits it with a pseudonymous IP", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app);
    const res = await signIn(browser, subject.email!.toUpperCase(), TEST_PASSWORD);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/requests");
    expect(await sessionOf(browser)).to.deep.include({ kind: "requester", subjectId: subject.id, assurance: "account", conversationId: null, stage: "complete" });
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.succeeded"));
    expect(entry).to.deep.include({ actorType: "subject", actorId: subject.id, subjectId: subject.id, orgId: org.id });
    expect(entry!.details).to.deep.include({ method: "account", assurance: "account" });
    expect(entry!.ipPseudonym).to.match(/^ip:[0-9a-f]{16}$/);
  });

  it("counts a sign-in as activity, for the inactive-accounts retention rule", async () => {
    const subject = await makeSubject(ctx, org.id, { lastActivityAt: new Date("2025-01-01T00:00:00Z") });
    ctx.clock.set(new Date("2026-05-04T08:00:00Z"));
    expect((await signIn(new Browser(app), subject.email!, TEST_PASSWORD)).status).to.equal(303);
    const [row] = await ctx.db.select().from(subjects).where(eq(subjects.id, subject.id));
    expect(row!.lastActivityAt!.toISOString()).to.equal("2026-05-04T08:00:00.000Z");
  });

  it("goes to a safe next page after sign-in, and never to another site", async () => {
    const subject = await makeSubject(ctx, org.id);
    const ok = await signIn(new Browser(app), subject.email!, TEST_PASSWORD, "/requests/RD-7K3Q-M9XA?tab=messages");
    expect(ok.headers.location).to.equal("/requests/RD-7K3Q-M9XA?tab=messages");
    for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/sign-in/password"]) {
      const browser = new Browser(app);
      await browser.get("/sign-in/password");
      const res = await browser.post("/sign-in/password", { email: subject.email!, password: TEST_PASSWORD, next: evil });
      expect(res.headers.location, evil).to.equal("/requests");
    }
  });

  it("refuses a wrong password and an unknown address with the same page", async () => {
    const subject = await makeSubject(ctx, org.id, { email: "known.person@example.test" });
    const pages = [];
    for (const [email, password] of [[subject.email!, "wrong password"], ["unknown.person@example.test", "wrong password"]] as const) {
      const browser = new Browser(app);
      const res = await signIn(browser, email, password);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("The e-mail address or the password is not right");
      expect(res.text).not.to.include("wrong password");
      expect(browser.sessionToken).to.equal(undefined);
      // The address is echoed back into the form (as typed), so mask it along with the token.
      pages.push(maskCsrf(res.text).replaceAll(email, "[address]"));
    }
    expect(pages[0]).to.equal(pages[1]);
    const failures = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.failed"));
    expect(failures.map((f) => f.details.reason).sort()).to.deep.equal(["unknown_account", "wrong_password"]);
  });

  it("refuses a subject who has no password (no chat account)", async () => {
    const subject = await makeSubject(ctx, org.id, { passwordHash: null });
    const res = await signIn(new Browser(app), subject.email!, "");
    expect(res.status).to.equal(422);
    expect(res.text).to.include("Enter your password");
    const res2 = await signIn(new Browser(app), subject.email!, TEST_PASSWORD);
    expect(res2.status).to.equal(422);
  });

  it("limits password guesses per address and per IP, with a localized wait message", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app, { "Accept-Language": "fi" });
    await browser.get("/sign-in/password");
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await browser.post("/sign-in/password", { email: subject.email!, password: `guess ${i}` })).status);
    expect(statuses.slice(0, 10).every((s) => s === 422)).to.equal(true);
    const res = await browser.post("/sign-in/password", { email: subject.email!, password: TEST_PASSWORD });
    expect(res.status).to.equal(429);
    expect(res.text).to.include("Liian monta yritystä");
    expect(res.text).to.match(/Odota 1[45] minuuttia/);
    expect(Number(res.headers["retry-after"])).to.be.within(1, 900);
    expect(res.text).not.to.match(/at .*\.ts:\d+/);
    // A lockout is audited once.
    const throttled = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.throttled"));
    expect(throttled).to.have.length(1);
    expect(throttled[0]!.details).to.deep.include({ method: "account", limit: "identity:password:id" });
    // After the window the right password works again.
    ctx.clock.advance(15 * 60_000 + 1000);
    await browser.get("/sign-in/password");
    expect((await browser.post("/sign-in/password", { email: subject.email!, password: TEST_PASSWORD })).status).to.equal(303);
  });

  it("resets a password by a single-use e-mailed link, ending the account's sessions", async () => {
    const subject = await makeSubject(ctx, org.id);
    const other = new Browser(app);
    await signIn(other, subject.email!, TEST_PASSWORD);
    expect(other.sessionToken).to.be.a("string");

    const browser = new Browser(app);
    const res = await browser.submit("/password-reset", "/password-reset", { email: subject.email! });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/password-reset/sent");
    expect((await browser.get("/password-reset/sent")).text).to.include("Check your e-mail");
    await deliverMail(ctx);
    const mail = smtp.to(subject.email!)[0]!;
    const token = resetTokenFromMail(mail)!;
    expect(token).to.match(/^[\w-]{43}$/);
    expect(textPart(mail.raw)).to.include(`${ctx.config.BASE_URL}/password-reset/${token}`);
    const [row] = await ctx.db.select().from(passwordResets);
    expect(row!.tokenHash).to.equal(sha256Hex(token));
    expect(JSON.stringify(row)).not.to.include(token);

    // The link hands its token to a sealed cookie and moves on to a token-free address.
    const link = await browser.get(`/password-reset/${token}`);
    expect(link.status).to.equal(303);
    expect(link.headers.location).to.equal("/password-reset/new");
    const held = browser.cookies.get("rd_reset")!;
    expect(held.path).to.equal("/password-reset");
    expect(held.value).not.to.include(token);
    const form = await browser.get("/password-reset/new");
    expect(form.status).to.equal(200);
    expect(form.headers["cache-control"]).to.equal("no-store");
    expect(form.text).not.to.include(token);
    expect(form.text).to.include('action="/password-reset/new"');
    expect((await browser.post("/password-reset/new", { password: "short", confirm: "short" })).text).to.include("too short");
    expect((await browser.post("/password-reset/new", { password: NEW_PASSWORD, confirm: "something else" })).text).to.include("not the same");
    const done = await browser.post("/password-reset/new", { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal("/sign-in/password?changed=1");
    expect((await browser.get("/sign-in/password?changed=1")).text).to.include("Your password is changed");

    // The other browser's session ended; the old password fails, the new one works.
    expect(await ctx.db.select().from(sessions).where(eq(sessions.subjectId, subject.id))).to.have.length(0);
    expect((await signIn(new Browser(app), subject.email!, TEST_PASSWORD)).status).to.equal(422);
    expect((await signIn(new Browser(app), subject.email!, NEW_PASSWORD)).status).to.equal(303);

    // The link works once, and the held cookie is gone.
    expect(browser.cookies.has("rd_reset")).to.equal(false);
    const again = await new Browser(app).get(`/password-reset/${token}`);
    expect(again.status).to.equal(404);
    expect(again.text).to.include("This link does not work");
    // Replaying the old held cookie does not help either.
    const replay = new Browser(app);
    replay.cookies.set("rd_reset", held);
    expect((await replay.get("/password-reset/new")).status).to.equal(404);
    const actions = (await ctx.db.select().from(auditLog)).map((a) => a.action);
    expect(actions).to.include.members(["identity.password_reset.requested", "identity.password_reset.completed"]);
  });

  it("refuses a common password and one built from the e-mail address or the organization's name, saying what to do, and keeps the link", async () => {
    const named = await makeOrg(ctx, { name: "Tukilinja ry" });
    const namedApp = buildApp(ctx);
    const host = { Host: `${named.slug}.test`, "Accept-Language": "fi" };
    const subject = await makeSubject(ctx, named.id, { email: "liisa.virtanen@example.test" });
    const browser = new Browser(namedApp, host);
    await browser.submit("/password-reset", "/password-reset", { email: subject.email! });
    await deliverMail(ctx);
    const token = resetTokenFromMail(smtp.to(subject.email!)[0]!)!;
    await browser.get(`/password-reset/${token}`);
    await browser.get("/password-reset/new");
    const refused = async (password: string) => {
      const res = await browser.post("/password-reset/new", { password, confirm: password });
      expect(res.status, password).to.equal(422);
      return res.text;
    };
    // A leaked classic, a keyboard walk and its l33t variant: long enough, still refused.
    for (const common of ["password123456", "qwertyuiop123", "P@ssw0rd2024!"]) expect(await refused(common)).to.include("liian helppo arvata").and.include("salalause");
    // Built from the address or from the organization's name.
    for (const personal of ["Liisa Virtanen 1990", "tukilinja-ry-2026!", "LiisaTukilinja"]) expect(await refused(personal)).to.include("sähköpostiosoitteestasi tai organisaation nimestä");
    const [unchanged] = await ctx.db.select().from(subjects).where(eq(subjects.id, subject.id));
    expect(unchanged!.passwordHash).to.equal(subject.passwordHash);
    // The link still works for a good passphrase.
    const done = await browser.post("/password-reset/new", { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(done.status).to.equal(303);
    expect(done.headers.location).to.equal("/sign-in/password?changed=1");
  });

  it("refuses an expired reset link (30 minutes) and an earlier link once a new one was sent", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app);
    await browser.submit("/password-reset", "/password-reset", { email: subject.email! });
    ctx.clock.advance(1000);
    await browser.submit("/password-reset", "/password-reset", { email: subject.email! });
    await deliverMail(ctx);
    const [first, second] = smtp.to(subject.email!).map((m) => resetTokenFromMail(m)!);
    expect(first).not.to.equal(second);
    expect((await browser.get(`/password-reset/${first}`)).status).to.equal(404);
    expect((await browser.get(`/password-reset/${second}`)).status).to.equal(303);
    expect((await browser.get("/password-reset/new")).status).to.equal(200);
    ctx.clock.advance(30 * 60_000 + 1000);
    expect((await browser.get(`/password-reset/${second}`)).status).to.equal(404);
    await browser.get("/password-reset");
    const post = await browser.post("/password-reset/new", { password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(post.status).to.equal(404);
    expect((await signIn(new Browser(app), subject.email!, NEW_PASSWORD)).status).to.equal(422);
  });

  it("gives the same reply for known and unknown addresses; the unknown one gets a 'no account' mail", async () => {
    const known = await makeSubject(ctx, org.id, { email: "has.account@example.test" });
    const replies = [];
    for (const email of [known.email!, "no.account@example.test"]) {
      const browser = new Browser(app);
      const form = await browser.get("/password-reset");
      const started = performance.now();
      const post = await browser.post("/password-reset", { email });
      const ms = performance.now() - started;
      expect(ms).to.be.at.least(PASSWORD_RESET_FLOOR_MS - 5);
      const sent = await browser.get("/password-reset/sent");
      replies.push({ form: maskCsrf(form.text), status: post.status, location: post.headers.location, body: post.text, sent: maskCsrf(sent.text) });
    }
    expect(replies[0]).to.deep.equal(replies[1]);
    expect(await ctx.db.select().from(passwordResets)).to.have.length(1);
    expect(await ctx.db.select().from(outbox)).to.have.length(2);
    await deliverMail(ctx);
    expect(resetTokenFromMail(smtp.to("has.account@example.test")[0]!)).to.be.a("string");
    const noAccount = textPart(smtp.to("no.account@example.test")[0]!.raw);
    expect(noAccount).to.include("we have no chat account with this address");
    expect(noAccount).not.to.include("/password-reset/");
  });

  it("takes about the same time for known and unknown addresses (a time floor)", async () => {
    const known = await makeSubject(ctx, org.id);
    const time = async (email: string) => {
      const started = performance.now();
      await requestPasswordReset(ctx, { org, email, locale: "en", baseUrl: "http://x" });
      return performance.now() - started;
    };
    const a = await time(known.email!);
    const b = await time("nobody@example.test");
    expect(a).to.be.at.least(PASSWORD_RESET_FLOOR_MS - 5);
    expect(b).to.be.at.least(PASSWORD_RESET_FLOOR_MS - 5);
    expect(Math.abs(a - b)).to.be.below(PASSWORD_RESET_FLOOR_MS);
  });

  it("a reset link cannot be used for another organization", async () => {
    const subject = await makeSubject(ctx, org.id);
    const otherOrg = await makeOrg(ctx);
    await requestPasswordReset(ctx, { org, email: subject.email!, locale: "en", baseUrl: "http://x" });
    await deliverMail(ctx);
    const token = resetTokenFromMail(smtp.to(subject.email!)[0]!)!;
    const res = await new Browser(buildApp(ctx), { Host: otherOrg.hostnames[0]! }).get(`/password-reset/${token}`);
    expect(res.status).to.equal(404);
    const [s] = await ctx.db.select().from(subjects).where(eq(subjects.id, subject.id));
    expect(s!.passwordHash).to.equal(subject.passwordHash);
  });
});
