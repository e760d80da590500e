import { Writable } from "node:stream";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { Express } from "express";
import { pino } from "pino";
import { buildApp } from "../../src/app.js";
import { auditLog, sessions } from "../../src/db/schema/index.js";
import { IDLE_TIMEOUT_MS } from "../../src/identity/sessions.js";
import { hashReceiptCode, newReceiptCode } from "../../src/platform/codes.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import type { TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject, TEST_PASSWORD } from "../support/factories.js";
import { Browser, codeFromMail, contextWithSmtp, deliverMail, TestSmtpServer } from "./helpers.js";

type Org = Awaited<ReturnType<typeof makeOrg>>;

function cookieLine(setCookie: string[] | string | undefined, name: string): string {
  const line = ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie set`);
  return line;
}

describe("identity: sessions, cookies, CSRF, sign-out, method choice", () => {
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

  const passwordSignIn = (browser: Browser, email: string) =>
    browser.submit("/sign-in/password", "/sign-in/password", { email, password: TEST_PASSWORD });

  const isSignedIn = async (browser: Browser) => (await browser.get("/")).text.includes('action="/sign-out"');

  it("sets the session cookie HttpOnly and SameSite=Lax, not Secure over plain HTTP in development", async () => {
    const subject = await makeSubject(ctx, org.id);
    const res = await passwordSignIn(new Browser(app), subject.email!);
    const line = cookieLine(res.headers["set-cookie"], "rd_session");
    expect(line).to.match(/; HttpOnly/);
    expect(line).to.match(/; SameSite=Lax/);
    expect(line).to.match(/; Path=\//);
    expect(line).not.to.match(/; Secure/);
    expect(line).not.to.match(/Expires|Max-Age/i);
  });

  it("marks every cookie Secure behind a TLS proxy (TRUST_PROXY)", async () => {
    const subject = await makeSubject(ctx, org.id);
    const proxied = buildApp({ ...ctx, config: { ...ctx.config, TRUST_PROXY: ["loopback"] } });
    const browser = new Browser(proxied, { "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7" });
    const page = await browser.get("/sign-in/password");
    expect(cookieLine(page.headers["set-cookie"], "rd_csrf")).to.match(/; HttpOnly.*; Secure|; Secure.*; HttpOnly/);
    const res = await browser.post("/sign-in/password", { email: subject.email!, password: TEST_PASSWORD });
    expect(res.status).to.equal(303);
    const line = cookieLine(res.headers["set-cookie"], "rd_session");
    for (const flag of ["HttpOnly", "SameSite=Lax", "Secure"]) expect(line).to.include(`; ${flag}`);
    const email = await browser.submit("/sign-in/email", "/sign-in/email", { email: "x@example.test" });
    const pending = cookieLine(email.headers["set-cookie"], "rd_email");
    for (const flag of ["HttpOnly", "SameSite=Lax", "Secure", "Path=/sign-in/email"]) expect(pending).to.include(`; ${flag}`);
    expect(pending).not.to.include("x@example.test");
  });

  it("refuses a form post without a valid CSRF token (403), and accepts it with one", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app);
    await browser.get("/sign-in/password");
    const fields = { email: subject.email!, password: TEST_PASSWORD };
    expect((await browser.post("/sign-in/password", { ...fields, _csrf: "" })).status).to.equal(403);
    expect((await browser.post("/sign-in/password", { ...fields, _csrf: "forged-token" })).status).to.equal(403);
    // A token from another browser (another CSRF cookie) is refused too.
    const attacker = new Browser(app);
    await attacker.get("/sign-in/password");
    expect((await browser.post("/sign-in/password", { ...fields, _csrf: attacker.lastCsrf! })).status).to.equal(403);
    for (const path of ["/sign-in/email", "/sign-in/email/code", "/sign-in/receipt", "/password-reset", "/sign-out", "/sign-in"]) {
      expect((await browser.post(path, { _csrf: "forged" })).status, path).to.equal(403);
    }
    expect(browser.sessionToken).to.equal(undefined);
    expect(await ctx.db.select().from(sessions)).to.have.length(0);
    expect((await browser.post("/sign-in/password", fields)).status).to.equal(303);
  });

  it("regenerates the session id at sign-in: a planted or earlier cookie never becomes the new session", async () => {
    const subject = await makeSubject(ctx, org.id);
    const code = newReceiptCode();
    await makeConversation(ctx, org.id, { receiptCodeHash: hashReceiptCode(code) });
    const browser = new Browser(app);
    expect((await browser.submit("/sign-in/receipt", "/sign-in/receipt", { code })).status).to.equal(303);
    const first = browser.sessionToken!;
    // An attacker who knows this cookie (e.g. planted it) …
    const attacker = new Browser(app);
    attacker.cookies.set("rd_session", { value: first, path: "/" });
    expect(await isSignedIn(attacker)).to.equal(true);
    // … loses it when the victim signs in with a stronger method.
    expect((await passwordSignIn(browser, subject.email!)).status).to.equal(303);
    const second = browser.sessionToken!;
    expect(second).not.to.equal(first);
    expect(await isSignedIn(attacker)).to.equal(false);
    const rows = await ctx.db.select().from(sessions);
    expect(rows.map((r) => r.idHash)).to.deep.equal([sha256Hex(second)]);
    expect(rows[0]).to.deep.include({ subjectId: subject.id, conversationId: null, assurance: "account" });
    // A made-up cookie is dropped, and sign-in gives a fresh one.
    const planted = new Browser(app);
    planted.cookies.set("rd_session", { value: "x".repeat(43), path: "/" });
    await passwordSignIn(planted, subject.email!);
    expect(planted.sessionToken).to.be.a("string").and.not.equal("x".repeat(43));
  });

  it("ends a session after 30 idle minutes, and keeps an active one alive", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app);
    await passwordSignIn(browser, subject.email!);
    ctx.clock.advance(IDLE_TIMEOUT_MS - 60_000);
    expect(await isSignedIn(browser)).to.equal(true);
    ctx.clock.advance(IDLE_TIMEOUT_MS - 60_000);
    expect(await isSignedIn(browser)).to.equal(true);
    ctx.clock.advance(IDLE_TIMEOUT_MS + 1000);
    expect(await isSignedIn(browser)).to.equal(false);
    expect(browser.sessionToken).to.equal(undefined);
    expect(await ctx.db.select().from(sessions)).to.have.length(0);
  });

  it("signs out: the session row is deleted, the cookie cleared, and it is audited", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app);
    await passwordSignIn(browser, subject.email!);
    const token = browser.sessionToken!;
    await browser.get("/");
    const res = await browser.post("/sign-out");
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/signed-out");
    expect(cookieLine(res.headers["set-cookie"], "rd_session")).to.match(/^rd_session=;/);
    expect((await browser.get("/signed-out")).text).to.include("You are signed out");
    expect(await ctx.db.select().from(sessions)).to.have.length(0);
    const replay = new Browser(app);
    replay.cookies.set("rd_session", { value: token, path: "/" });
    expect(await isSignedIn(replay)).to.equal(false);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.signed_out"));
    expect(entry).to.deep.include({ actorType: "subject", actorId: subject.id });
  });

  it("offers the methods the organization switched on, one question per page", async () => {
    const browser = new Browser(app);
    const page = await browser.get("/sign-in?next=%2Frequests%2FRD-1234-ABCD");
    expect(page.status).to.equal(200);
    expect(page.headers["cache-control"]).to.equal("no-store");
    for (const m of ["receipt", "email", "account"]) expect(page.text).to.include(`value="${m}"`);
    expect(page.text).to.include('name="next" value="/requests/RD-1234-ABCD"');
    expect(page.text).not.to.include("<script>");
    const none = await browser.post("/sign-in", { next: "/requests/RD-1234-ABCD" });
    expect(none.status).to.equal(422);
    expect(none.text).to.include("Choose how you want to sign in");
    expect(none.text).to.include('href="#field-method"');
    const chosen = await browser.post("/sign-in", { method: "email", next: "/requests/RD-1234-ABCD" });
    expect(chosen.status).to.equal(303);
    expect(chosen.headers.location).to.equal("/sign-in/email?next=%2Frequests%2FRD-1234-ABCD");
  });

  it("hides switched-off methods entirely and skips the choice when one is left", async () => {
    const only = await makeOrg(ctx, { verificationMethods: { account: false, email: true, receipt: false }, hostnames: ["only-email.test"] });
    const browser = new Browser(app, { Host: only.hostnames[0]! });
    const choose = await browser.get("/sign-in");
    expect(choose.status).to.equal(303);
    expect(choose.headers.location).to.equal("/sign-in/email");
    expect((await browser.get("/sign-in/password")).status).to.equal(404);
    expect((await browser.get("/sign-in/receipt")).status).to.equal(404);
    expect((await browser.get("/password-reset")).status).to.equal(404);
    await browser.get("/sign-in/email");
    expect((await browser.post("/sign-in/password", { email: "a@example.test", password: "x" })).status).to.equal(404);
    expect((await browser.post("/sign-in", { method: "account" })).status).to.equal(422);
    const none = await makeOrg(ctx, { verificationMethods: { account: false, email: false, receipt: false }, hostnames: ["none.test"] });
    // A new app: the organization list is cached for a few seconds.
    // With no way to sign in, the organization's checklist is not complete: its pages are not open.
    const nothing = await new Browser(buildApp(ctx), { Host: none.hostnames[0]! }).get("/sign-in");
    expect(nothing.status).to.equal(503);
    expect(nothing.text).to.include("Not open yet");
  });

  it("shows every sign-in page in all five languages", async () => {
    const titles: Record<string, string> = { en: "Sign in", fi: "Kirjaudu", sv: "Logga in", nl: "Inloggen", et: "Logi sisse" };
    for (const [lang, title] of Object.entries(titles)) {
      const browser = new Browser(app, { "Accept-Language": lang });
      for (const path of ["/sign-in", "/sign-in/password", "/sign-in/email", "/sign-in/receipt", "/password-reset", "/password-reset/sent", "/signed-out"]) {
        const res = await browser.get(path);
        expect(res.status, `${lang} ${path}`).to.equal(200);
        expect(res.text, `${lang} ${path}`).not.to.match(/identity\.[a-zA-Z]+\.[a-zA-Z.]+/);
        expect(res.text).to.include(`<html lang="${lang}">`);
      }
      expect((await browser.get("/sign-in")).text).to.include(title);
    }
  });

  it("never writes codes, addresses or passwords to the logs", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = { ...ctx, logger: pino({ level: "trace" }, sink) };
    const logApp = buildApp(logged);
    const subject = await makeSubject(ctx, org.id, { email: "secret.person@example.test" });
    const browser = new Browser(logApp);
    await browser.submit("/sign-in/email", "/sign-in/email", { email: subject.email! });
    await deliverMail(logged as TestContext);
    const code = codeFromMail(smtp.to(subject.email!)[0]!);
    await browser.get("/sign-in/email/code");
    await browser.post("/sign-in/email/code", { code: "00000000" });
    expect((await browser.post("/sign-in/email/code", { code })).status).to.equal(303);
    await new Browser(logApp).submit("/sign-in/password", "/sign-in/password", { email: subject.email!, password: TEST_PASSWORD });
    const log = lines.join("");
    expect(log.length).to.be.greaterThan(100);
    for (const secret of [code, `${code.slice(0, 4)} ${code.slice(4)}`, subject.email!, TEST_PASSWORD, "127.0.0.1"]) {
      expect(log, secret).not.to.include(secret);
    }
  });
});
