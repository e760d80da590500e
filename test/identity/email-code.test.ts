import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import type { Express } from "express";
import { buildApp } from "../../src/app.js";
import { auditLog, outbox, sessions, subjects, verificationCodes } from "../../src/db/schema/index.js";
import { verifyEmailCode } from "../../src/identity/verify-email-code.js";
import { emailHash } from "../../src/identity/email-address.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import type { TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";
import { Browser, codeFromMail, contextWithSmtp, deliverMail, maskCsrf, TestSmtpServer, textPart } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

type Org = Awaited<ReturnType<typeof makeOrg>>;

describe("identity: e-mail code sign-in (real SMTP)", () => {
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

  /** Asks for a code in the browser and returns the code the SMTP server received. */
  async function askForCode(browser: Browser, email: string): Promise<string> {
    const res = await browser.submit("/sign-in/email", "/sign-in/email", { email });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/sign-in/email/code");
    await deliverMail(ctx);
    const mails = smtp.to(email.trim());
    expect(mails.length).to.be.greaterThan(0);
    return codeFromMail(mails[mails.length - 1]!);
  }

  async function enterCode(browser: Browser, code: string) {
    await browser.get("/sign-in/email/code");
    return browser.post("/sign-in/email/code", { code });
  }

  async function sessionRow(browser: Browser) {
    const token = browser.sessionToken;
    if (!token) return undefined;
    const [row] = await ctx.db.select().from(sessions).where(eq(sessions.idHash, sha256Hex(token)));
    return row;
  }

  it("signs in a known address with the mailed code (assurance email, subject linked, address proved)", async () => {
    const subject = await makeSubject(ctx, org.id);
    const browser = new Browser(app);
    const code = await askForCode(browser, `  ${subject.email!.toUpperCase()} `);
    expect(code).to.match(/^\d{8}$/);
    const mail = smtp.to(subject.email!)[0]!;
    expect(mail.raw).to.match(/Subject: Your code for Helpline/);

    const res = await enterCode(browser, `${code.slice(0, 4)} ${code.slice(4)}`);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/requests");
    const row = await sessionRow(browser);
    expect(row).to.deep.include({ kind: "requester", subjectId: subject.id, assurance: "email", email: subject.email, conversationId: null });
    const [s] = await ctx.db.select().from(subjects).where(eq(subjects.id, subject.id));
    expect(s!.emailVerifiedAt).to.be.instanceOf(Date);
    // The pending-address cookie is gone once used.
    expect(browser.cookies.has("rd_email")).to.equal(false);
  });

  it("signs in an unknown address too, with no subject (they may ask whether we hold data)", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "Nobody.Here@Example.test");
    const res = await enterCode(browser, code);
    expect(res.status).to.equal(303);
    expect(await sessionRow(browser)).to.deep.include({ subjectId: null, assurance: "email", email: "nobody.here@example.test" });
  });

  it("stores the code only as a keyed hash", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "hash.check@example.test");
    const rows = await ctx.db.select().from(verificationCodes);
    expect(rows).to.have.length(1);
    const dump = JSON.stringify(rows);
    expect(dump).not.to.include(code);
    expect(dump).not.to.include(sha256Hex(code));
    expect(dump).not.to.include("hash.check@example.test");
    expect(rows[0]!.emailHash).to.equal(emailHash(ctx.keys, "hash.check@example.test"));
  });

  it("refuses a wrong code, then accepts the right one (tries left)", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "wrong.first@example.test");
    const wrong = code === "00000000" ? "00000001" : "00000000";
    const res = await enterCode(browser, wrong);
    expect(res.status).to.equal(422);
    expect(res.text).to.include("That code is not right");
    expect(res.text).to.include('class="error-summary"');
    expect(res.text, "the title says there is an error first").to.match(/<title>Error: /);
    expect(browser.sessionToken).to.equal(undefined);
    expect((await enterCode(browser, code)).status).to.equal(303);
  });

  it("refuses a code that is not 8 digits without using up a try", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "format@example.test");
    const res = await enterCode(browser, "12ab");
    expect(res.status).to.equal(422);
    expect(res.text).to.include("The code has 8 numbers");
    const [row] = await ctx.db.select().from(verificationCodes);
    expect(row!.attempts).to.equal(0);
    expect((await enterCode(browser, code)).status).to.equal(303);
  });

  it("refuses an expired code (15 minutes)", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "slow@example.test");
    ctx.clock.advance(15 * 60_000 + 1000);
    const res = await enterCode(browser, code);
    expect(res.status).to.equal(422);
    expect(res.text).to.include("This code is too old");
    // The error leads to "Send a new code", not back to the field that cannot help.
    expect(res.text).to.match(/<a href="#new-code">This code is too old/);
    expect(res.text).to.match(/<a id="new-code" href="\/sign-in\/email">Send a new code<\/a>/);
    expect(browser.sessionToken).to.equal(undefined);
  });

  it("accepts a code just before it expires", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "intime@example.test");
    ctx.clock.advance(15 * 60_000 - 1000);
    expect((await enterCode(browser, code)).status).to.equal(303);
  });

  it("refuses a code used once already (single use), even replayed with the old cookie", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "twice@example.test");
    const pending = browser.cookies.get("rd_email")!;
    expect((await enterCode(browser, code)).status).to.equal(303);
    await browser.get("/");
    expect((await browser.post("/sign-out")).headers.location).to.equal("/signed-out");
    expect(browser.sessionToken).to.equal(undefined);

    browser.cookies.set("rd_email", pending);
    const res = await enterCode(browser, code);
    expect(res.status).to.equal(422);
    expect(res.text).to.include("This code does not work any more");
    expect(browser.sessionToken).to.equal(undefined);
    // And directly: the use case says the same.
    const direct = await verifyEmailCode(ctx, { org, email: "twice@example.test", code });
    expect(direct).to.deep.equal({ ok: false, reason: "dead" });
  });

  it("a new code supersedes the old one", async () => {
    const browser = new Browser(app);
    const first = await askForCode(browser, "again@example.test");
    const second = await askForCode(browser, "again@example.test");
    expect(smtp.to("again@example.test")).to.have.length(2);
    if (first !== second) {
      const res = await enterCode(browser, first);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("This code is from an older e-mail");
      // …and it did not use up a try of the current code.
      const live = (await ctx.db.select().from(verificationCodes)).find((r) => r.supersededAt === null)!;
      expect(live.attempts).to.equal(0);
    }
    const rows = await ctx.db.select().from(verificationCodes);
    expect(rows.filter((r) => r.supersededAt !== null)).to.have.length(1);
    expect((await enterCode(browser, second)).status).to.equal(303);
    // The superseded code stays dead even after the new one was used.
    const direct = await verifyEmailCode(ctx, { org, email: "again@example.test", code: first });
    expect(direct.ok).to.equal(false);
  });

  it("the code page without an address asked for goes back to the address page", async () => {
    const browser = new Browser(app);
    const res = await browser.get("/sign-in/email/code");
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/sign-in/email");
  });

  it("a code for one address never signs in another", async () => {
    const browser = new Browser(app);
    const code = await askForCode(browser, "alice@example.test");
    await askForCode(new Browser(app), "bob@example.test");
    const direct = await verifyEmailCode(ctx, { org, email: "bob@example.test", code });
    expect(direct.ok).to.equal(false);
  });

  it("10,000 automated guesses at one address's code give 0 sign-ins", async function () {
    this.timeout(300_000);
    const email = "target@example.test";
    await makeSubject(ctx, org.id, { email });
    const victim = new Browser(app);
    const realCode = await askForCode(victim, email);
    const guesses = Array.from({ length: 10_000 }, (_, i) => String(i * 7919 % 100_000_000).padStart(8, "0")).filter((g) => g !== realCode);
    // The attacker also tries the real code once, late: by then the code is dead.
    guesses.splice(5_000, 0, realCode);
    guesses.length = 10_000;
    let signIns = 0;
    const statuses: Record<number, number> = {};

    // A sample over HTTP, from the attacker's own browser holding the address in the pending cookie.
    const attacker = new Browser(app);
    attacker.cookies.set("rd_email", victim.cookies.get("rd_email")!);
    await attacker.get("/sign-in/email/code");
    const httpSample = guesses.slice(0, 40);
    for (const guess of httpSample) {
      const res = await attacker.post("/sign-in/email/code", { code: guess });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 303 || attacker.sessionToken) signIns += 1;
    }
    // 5 wrong tries kill the code; the per-address limit (10 checks / 15 min) then refuses outright.
    expect(statuses[422]).to.equal(10);
    expect(statuses[429]).to.equal(30);

    // The bulk straight through the use case (no rate limit in the way: only the code's death).
    let refusedDead = 0;
    for (const guess of guesses.slice(httpSample.length)) {
      const result = await verifyEmailCode(ctx, { org, email, code: guess });
      if (result.ok) signIns += 1;
      else if (result.reason === "dead") refusedDead += 1;
    }
    expect(signIns).to.equal(0);
    expect(refusedDead).to.equal(10_000 - httpSample.length);
    const [code] = await ctx.db.select().from(verificationCodes);
    expect(code!.attempts).to.equal(5);
    expect(code!.consumedAt).to.equal(null);

    // Even the victim with the right code now needs a new one, after the window has passed.
    ctx.clock.advance(16 * 60_000);
    const res = await enterCode(victim, realCode);
    expect(res.status).to.equal(422);
    expect(await ctx.db.select().from(sessions)).to.have.length(0);

    const lockouts = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.locked_out"));
    expect(lockouts).to.have.length(1);
    // Each limit that started refusing is audited once (not once per refused request).
    const throttled = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.throttled"));
    expect(throttled.map((a) => a.details.limit).sort()).to.deep.equal(["identity:code-check:id", "identity:code-check:ip"]);
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: true });
  });

  it("concurrent guesses cannot overshoot the 5 tries (the code row is locked while checked)", async () => {
    const email = "race@example.test";
    const browser = new Browser(app);
    const realCode = await askForCode(browser, email);
    const wrong = Array.from({ length: 50 }, (_, i) => String(10_000_000 + i)).filter((g) => g !== realCode);
    const results = await Promise.all(wrong.map((code) => verifyEmailCode(ctx, { org, email, code })));
    expect(results.filter((r) => r.ok)).to.have.length(0);
    expect(results.filter((r) => !r.ok && r.reason === "wrong")).to.have.length(4);
    const [row] = await ctx.db.select().from(verificationCodes);
    expect(row!.attempts).to.equal(5);
    expect((await verifyEmailCode(ctx, { org, email, code: realCode })).ok).to.equal(false);
  });

  it("known and unknown addresses get byte-identical replies and the same work done", async () => {
    const known = await makeSubject(ctx, org.id, { email: "known@example.test" });
    const replies = [];
    for (const email of [known.email!, "unknown@example.test"]) {
      const browser = new Browser(app);
      const form = await browser.get("/sign-in/email");
      const post = await browser.post("/sign-in/email", { email });
      const codePage = await browser.get("/sign-in/email/code");
      const headers = { ...post.headers };
      for (const h of ["set-cookie", "date", "etag"]) delete headers[h];
      replies.push({
        form: maskCsrf(form.text),
        status: post.status,
        location: post.headers.location,
        body: post.text,
        headers,
        codeStatus: codePage.status,
        codePage: maskCsrf(codePage.text),
      });
    }
    expect(replies[0]!.status).to.equal(303);
    expect(replies[0]!.codePage).to.include("Check your e-mail");
    expect(replies[0]).to.deep.equal(replies[1]);
    // The same work for both: one code row, one queued mail, one audit entry each.
    const codes = await ctx.db.select().from(verificationCodes);
    expect(codes).to.have.length(2);
    const mails = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "verification_code")));
    expect(mails.map((m) => m.recipient).sort()).to.deep.equal(["known@example.test", "unknown@example.test"]);
    const sent = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.email_code.sent"));
    expect(sent).to.have.length(2);
    expect(sent.map((a) => a.subjectId)).to.deep.equal([null, null]);
    await deliverMail(ctx);
    expect(smtp.to("known@example.test")).to.have.length(1);
    expect(smtp.to("unknown@example.test")).to.have.length(1);
  });

  it("an invalid address is refused on the form, with the error next to the field", async () => {
    const browser = new Browser(app);
    const res = await browser.submit("/sign-in/email", "/sign-in/email", { email: "not-an-address" });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("Enter an e-mail address like name@example.com");
    expect(res.text).to.include('href="#field-email"');
    expect(res.text).to.include('aria-invalid="true"');
    expect(res.text).to.include('value="not-an-address"');
    expect(await ctx.db.select().from(verificationCodes)).to.have.length(0);
  });

  it("writes the mail in the language of the page", async () => {
    const browser = new Browser(app, { "Accept-Language": "fi" });
    const code = await askForCode(browser, "suomi@example.test");
    const mail = smtp.to("suomi@example.test")[0]!;
    expect(textPart(mail.raw)).to.include("Tässä on koodisi");
    expect(code).to.match(/^\d{8}$/);
    const [row] = (await openedOutbox(ctx, ctx.db.select().from(outbox))).filter((r) => r.recipient === "suomi@example.test");
    expect(row!.locale).to.equal("fi");
  });
});
