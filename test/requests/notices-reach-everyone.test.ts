import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { outbox, requestMessages, requests } from "../../src/db/schema/index.js";
import { submitRequest } from "../../src/requests/submit-request.js";
import { threadOf } from "../support/request-texts.js";
import { openedOutbox } from "../support/outbox.js";

/** The banners of the requester's status page, as text. */
function banners(html: string): string[] {
  return [...html.matchAll(/<div class="notice notice-banner"[^>]*>([\s\S]*?)<\/div>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, "").replace(/&#39;/g, "'").replace(/\s+/g, " ").trim());
}

describe("every notice reaches every requester", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let app: ReturnType<typeof buildApp>;
  let dpo: Awaited<ReturnType<typeof makeStaff>>;
  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx);
    dpo = await makeStaff(ctx, org.id, "dpo");
    app = buildApp(ctx);
  });
  async function post(agent: Agent, path: string, form: Record<string, string>, page: string) {
    const token = await csrfFrom(agent, page);
    return agent.post(path).type("form").send({ ...form, _csrf: token });
  }
  async function receiptRequester() {
    const conv = await makeConversation(ctx, org.id, { topic: "School" });
    const requester = { subjectId: null, conversationId: conv.id, email: null, assurance: "receipt" as const };
    const { request } = await submitRequest(ctx, org, requester, { type: "access", scope: "chosen_conversations", conversationIds: [conv.id], details: {} }, "en");
    const agent = await signedInAgent(ctx, app, { orgId: org.id, conversationId: conv.id, assurance: "receipt", host: `${org.slug}.test` });
    return { request, agent };
  }

  it("a receipt-code requester without e-mail sees each question, identity request, extension with its reasons, message and decision as a banner", async () => {
    const { request: r, agent: requester } = await receiptRequester();
    const staff = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    const at = `/staff/requests/${r.id}`;
    expect((await post(staff, `${at}/start-review`, {}, at)).status).to.equal(303);
    expect((await post(staff, `${at}/ask-information`, { message: "Which evening was it?" }, at)).status).to.equal(303);
    expect((await post(staff, `${at}/extend`, { reason: "Three years of chats to read through.", kind: "complexity" }, at)).status).to.equal(303);
    expect((await post(requester, `/requests/${r.reference}/messages`, { body: "Tuesday" }, `/requests/${r.reference}`)).status).to.equal(303);
    expect((await post(staff, `${at}/ask-identity`, { message: "Tell us the first words you wrote.", doubtReason: "The code was shared in a group chat." }, at)).status).to.equal(303);
    expect((await post(staff, `${at}/messages`, { body: "We are still on it." }, at)).status).to.equal(303);
    expect((await post(requester, `/requests/${r.reference}/messages`, { body: "Hi" }, `/requests/${r.reference}`)).status).to.equal(303);
    expect((await post(staff, `${at}/reject`, { legalGround: "identity_not_established", reason: "The first words you gave do not match the chat.", confirm: "yes" }, at)).status).to.equal(303);
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.requestId, r.id)))).to.have.length(0);

    const page = await requester.get(`/requests/${r.reference}`);
    const shown = banners(page.text);
    expect(shown.join("\n")).to.include("We asked you a question").and.include("We asked you to show it is you").and.include("We need more time")
      .and.include("your request needs a lot of work").and.include("Three years of chats to read through.").and.include("new message from us").and.include("was refused");
    expect(shown).to.have.length(5);
  });

  it("the extension's reasons reach the requester in the notice itself: the thread message and the e-mail's reason", async () => {
    const subject = await makeSubject(ctx, org.id, { locale: "en" });
    const { request: r } = await submitRequest(ctx, org, { subjectId: subject.id, conversationId: null, email: subject.email, assurance: "account" }, { type: "access", scope: "all_conversations", conversationIds: [], details: {} }, "en");
    await ctx.db.update(requests).set({ status: "in_review" }).where(eq(requests.id, r.id));
    const staff = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    const missingKind = await post(staff, `/staff/requests/${r.id}/extend`, { reason: "Three systems hold the chats." }, "/staff");
    expect(missingKind.status).to.equal(422);
    expect((await post(staff, `/staff/requests/${r.id}/extend`, { reason: "Three systems hold the chats.", kind: "number_of_requests" }, "/staff")).status).to.equal(303);
    const [msg] = await threadOf(ctx, r.id);
    expect(msg!.body).to.include("Three systems hold the chats.").and.include("many requests at the same time").and.include("Art. 12(3)");
    const mails = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "extension")));
    expect(mails).to.have.length(1);
    expect(mails[0]!.payload.reasonKind).to.equal("number_of_requests");
  });

  it("the confirmation never promises an e-mail to someone who gave none", async () => {
    const { request: r, agent } = await receiptRequester();
    const page = await agent.get(`/requests/${r.reference}/confirmation`);
    expect(page.status).to.equal(200);
    expect(page.text).to.not.include("send you an e-mail");
    expect(page.text).to.include("come back to this page");
    const subject = await makeSubject(ctx, org.id);
    const { request: mine } = await submitRequest(ctx, org, { subjectId: subject.id, conversationId: null, email: subject.email, assurance: "account" }, { type: "access", scope: "all_conversations", conversationIds: [], details: {} }, "en");
    const withMail = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, email: subject.email, host: `${org.slug}.test` });
    expect((await withMail.get(`/requests/${mine.reference}/confirmation`)).text).to.include("send you an e-mail");
  });
});
