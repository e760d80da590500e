import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { Express } from "express";
import { buildApp } from "../../src/app.js";
import { conversations } from "../../src/db/schema/index.js";
import { setLegalHold } from "../../src/fulfilment/legal-hold.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { deliverOutbox } from "../../src/jobs.js";
import { hashReceiptCode, newReceiptCode, newReference } from "../../src/platform/codes.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { readMailbox } from "../e2e/support/mailbox.js";
import { Browser, maskCsrf } from "../identity/helpers.js";
import { actorOf, insertRequest, world, type World } from "./helpers.js";

/** What must never appear on an outcome page: the person's data and any raw catalog key. */
function personal(w: World): string[] {
  const s = w.secrets;
  return [s.name, s.email, s.subjectExt, ...s.messages, s.label, s.note, s.statement, s.held, ...s.convExt, "Family", "School", "Danger"];
}

describe("fulfilment: the outcome of an erasure, shown afterwards (issue 18)", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let app: Express;
  let w: World;
  let code: string;
  let reference: string;

  beforeEach(async () => {
    ctx = await freshContext();
    w = await world(ctx);
    app = buildApp(ctx);
    code = newReceiptCode();
    await ctx.db.update(conversations).set({ receiptCodeHash: hashReceiptCode(code) }).where(eq(conversations.id, w.first.id));
    const r = await insertRequest(ctx, w.org, {
      subjectId: w.subject.id, type: "erasure", scope: "all_conversations", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    reference = r.reference;
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reason: "police_report", reviewOn: new Date(ctx.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10) });
    expect((await fulfilRequest(ctx, { type: "system" }, w.org.id, r.id)).status).to.equal("completed");
  });

  const host = () => ({ Host: `${w.org.slug}.test` });
  const signIn = (browser: Browser, typed: string) => browser.submit("/sign-in/receipt", "/sign-in/receipt", { code: typed });

  it("signing in with the erased conversation's code shows what was erased, what was kept and why, in the requester's language", async () => {
    const browser = new Browser(app, { ...host(), "Accept-Language": "fi" });
    const res = await signIn(browser, code);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(new RegExp(`^/erased/${reference}\\?s=[0-9a-f]{32}$`));
    expect(browser.sessionToken).to.equal(undefined);
    const page = await browser.get(res.headers.location!);
    expect(page.status).to.equal(200);
    expect(page.headers["cache-control"]).to.equal("no-store");
    expect(page.headers["referrer-policy"]).to.equal("no-referrer");
    expect(page.text).to.include("Mitä tiedoillesi tapahtui");
    expect(page.text).to.include("Keskusteluja: 2");
    expect(page.text).to.include("Profiilisi (käyttäjätili)");
    expect(page.text).to.include("Keskusteluja, jotka säilytimme, koska niistä tehtiin ilmoitus poliisille: 1");
    expect(page.text).to.include("Tietosuojavaltuutetun toimisto");
    expect(page.text).to.include('href="/how-to-complain"');
    expect(page.text).to.include(reference);
    expect(page.text).not.to.match(/police_report|fulfilment\.erasedOutcome/);
    for (const p of personal(w)) expect(page.text, p).not.to.include(p);
    // The code is not stored: the tombstone holds a blind index of its hash, not the hash or the code.
    const [tomb] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.first.id));
    expect(tomb!.receiptCodeHash).to.equal(null);
    expect(tomb!.erasedReceiptIndex).to.be.a("string").and.not.include(hashReceiptCode(code));
    expect(JSON.stringify(tomb)).not.to.include(code);
  });

  it("a wrong code still gets the generic answer, byte for byte the same as an unknown code's", async () => {
    const wrong = (code.startsWith("A") ? "B" : "A") + code.slice(1);
    const pages: string[] = [];
    for (const typed of [wrong, newReceiptCode()]) {
      const browser = new Browser(app, host());
      const res = await signIn(browser, typed);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("We could not find a chat with this code");
      pages.push(maskCsrf(res.text).replace(typed, "[typed code]"));
    }
    expect(pages[0]).to.equal(pages[1]);
  });

  it("the account holder's final mail links to the outcome page, which holds no personal data", async () => {
    await deliverOutbox(ctx);
    const mail = readMailbox(ctx.config.DATA_DIR).find((m) => m.to.includes(w.secrets.email));
    expect(mail, "the completion mail").to.not.equal(undefined);
    const link = /https?:\/\/\S+\/erased\/\S+/.exec(mail!.text)?.[0];
    expect(link, mail!.text).to.be.a("string");
    const page = await new Browser(app, host()).get(new URL(link!).pathname + new URL(link!).search);
    expect(page.status).to.equal(200);
    expect(page.text).to.include("Conversations: 2");
    expect(page.text).to.include("Messages in them: 3");
    expect(page.text).to.include("Conversations kept because a report was made to the police about them: 1");
    expect(page.text).to.include("GDPR Article 17(3)");
    for (const p of personal(w)) expect(page.text, p).not.to.include(p);
  });

  it("a guessed reference, a forged signature or another organization's link shows nothing about the request", async () => {
    // Made before the first request: the portal's list of organizations is read once and cached.
    const other = await makeOrg(ctx);
    const browser = new Browser(app, host());
    const ask = async (path: string, ref: string) => {
      const res = await browser.get(path);
      expect(res.status, path).to.equal(200);
      expect(res.text).not.to.include("Conversations: 2");
      // The language switch keeps the query as it came; it is the caller's own input, not an answer.
      return maskCsrf(res.text).replaceAll(ref, "[reference]").replace(/s=0{32}&amp;/g, "").replace(/\?s=0{32}#/g, "#");
    };
    const unknown = newReference();
    const pages = [
      await ask(`/erased/${reference}`, reference),
      await ask(`/erased/${reference}?s=${"0".repeat(32)}`, reference),
      await ask(`/erased/${unknown}`, unknown),
    ];
    expect(pages[1]).to.equal(pages[0]);
    expect(pages[2]).to.equal(pages[0]);
    expect(pages[0]).to.include("only when you open it from the link in our e-mail");
    expect((await browser.get("/erased/not-a-reference")).status).to.equal(404);

    // The mail's signature belongs to this organization: on another one it opens nothing.
    await deliverOutbox(ctx);
    const mailLink = /https?:\/\/\S+\/erased\/\S+/.exec(readMailbox(ctx.config.DATA_DIR)[0]!.text)![0];
    const elsewhere = await new Browser(app, { Host: `${other.slug}.test` }).get(new URL(mailLink).pathname + new URL(mailLink).search);
    expect(elsewhere.status).to.equal(200);
    expect(elsewhere.text).not.to.include("Conversations: 2");
  });
});
