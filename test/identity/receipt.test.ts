import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { Express, Request } from "express";
import { buildApp } from "../../src/app.js";
import { auditLog, conversations, sessions } from "../../src/db/schema/index.js";
import { requesterOf } from "../../src/identity/guards.js";
import { requesterMaySeeConversation } from "../../src/identity/policies.js";
import { signInWithReceipt } from "../../src/identity/sign-in-with-receipt.js";
import { hashReceiptCode, newReceiptCode } from "../../src/platform/codes.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { Browser, maskCsrf } from "./helpers.js";

type Org = Awaited<ReturnType<typeof makeOrg>>;

describe("identity: conversation receipt code sign-in", () => {
  let ctx: TestContext;
  let app: Express;
  let org: Org;

  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    app = buildApp(ctx);
  });

  async function withReceipt(opts: { subjectId?: string } = {}) {
    const code = newReceiptCode();
    const conv = await makeConversation(ctx, org.id, { receiptCodeHash: hashReceiptCode(code), subjectId: opts.subjectId });
    return { code, conv };
  }

  const enter = (browser: Browser, code: string) => browser.submit("/sign-in/receipt", "/sign-in/receipt", { code });

  it("makes receipt codes of 80 bits in groups of four", () => {
    const code = newReceiptCode();
    expect(code).to.match(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  });

  it("signs in with a receipt code typed the way people type, scoped to that one conversation", async () => {
    const owner = await makeSubject(ctx, org.id);
    const { code, conv } = await withReceipt({ subjectId: owner.id });
    const other = await makeConversation(ctx, org.id, { subjectId: owner.id });
    const typed = ` ${code.toLowerCase().replace(/-/g, " ").replace(/0/g, "o")} `;
    const browser = new Browser(app);
    const res = await enter(browser, typed);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/requests");

    const [row] = await ctx.db.select().from(sessions).where(eq(sessions.idHash, sha256Hex(browser.sessionToken!)));
    // Even though the conversation belongs to a subject, the session proves the conversation only.
    expect(row).to.deep.include({ kind: "requester", conversationId: conv.id, subjectId: null, email: null, assurance: "receipt" });
    const requester = requesterOf({ session: row } as unknown as Request)!;
    expect(requester).to.deep.equal({ subjectId: null, conversationId: conv.id, email: null, assurance: "receipt" });
    expect(requesterMaySeeConversation(requester, org.id, conv)).to.equal(true);
    expect(requesterMaySeeConversation(requester, org.id, other)).to.equal(false);
    const [success] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.succeeded"));
    expect(success).to.deep.include({ targetType: "conversation", targetId: conv.id, actorType: "anonymous", subjectId: null });
    expect(JSON.stringify(success)).not.to.include(code);
  });

  it("refuses an unknown code and an erased conversation's code alike", async () => {
    const { code: erasedCode, conv } = await withReceipt();
    await ctx.db.update(conversations).set({ erasedAt: ctx.clock.now() }).where(eq(conversations.id, conv.id));
    const unknownCode = newReceiptCode();
    const pages = [];
    for (const code of [erasedCode, unknownCode]) {
      const browser = new Browser(app);
      const res = await enter(browser, code);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("We could not find a chat with this code");
      expect(browser.sessionToken).to.equal(undefined);
      pages.push(maskCsrf(res.text).replace(code, "[typed code]"));
    }
    expect(pages[0]).to.equal(pages[1]);
    expect(await ctx.db.select().from(sessions)).to.have.length(0);
    const failures = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.sign_in.failed"));
    expect(failures.map((f) => f.details.reason).sort()).to.deep.equal(["conversation_erased", "unknown_code"]);
  });

  it("explains the format of a mistyped code and keeps what was typed", async () => {
    const res = await enter(new Browser(app), "7K3Q-M9XA");
    expect(res.status).to.equal(422);
    expect(res.text).to.include("A chat code has 16 letters and numbers");
    expect(res.text).to.include('value="7K3Q-M9XA"');
  });

  it("does not accept another organization's receipt code", async () => {
    const { code } = await withReceipt();
    const otherOrg = await makeOrg(ctx);
    const result = await signInWithReceipt(ctx, { org: otherOrg, code });
    expect(result).to.deep.equal({ ok: false, reason: "invalid" });
  });

  it("limits receipt-code guesses per IP", async () => {
    const browser = new Browser(app);
    await browser.get("/sign-in/receipt");
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await browser.post("/sign-in/receipt", { code: newReceiptCode() })).status);
    expect(statuses.slice(0, 20).every((s) => s === 422)).to.equal(true);
    expect(statuses[20]).to.equal(429);
    const { code } = await withReceipt();
    expect((await browser.post("/sign-in/receipt", { code })).status).to.equal(429);
  });

  it("limits tries of one code from many places (per code)", async () => {
    // Behind a trusted proxy each try comes from a different client address.
    const proxied = buildApp({ ...ctx, config: { ...ctx.config, TRUST_PROXY: 1 } });
    const code = newReceiptCode();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const browser = new Browser(proxied, { "X-Forwarded-For": `198.51.100.${i + 1}`, "X-Forwarded-Proto": "https" });
      statuses.push((await enter(browser, code)).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 422)).to.equal(true);
    expect(statuses[10]).to.equal(429);
  });
});
