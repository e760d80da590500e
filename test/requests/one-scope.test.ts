import { expect } from "chai";
import { isNotNull, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { conversations, requests, type RequestScope } from "../../src/db/schema/index.js";
import { insertRequest, postForm, staffAgent, world, type World } from "../fulfilment/helpers.js";
import { buildNow, runJobs, unzip } from "../exports/helpers.js";

/**
 * One reading of a request's scope (requests/request-scope.ts): the conversations the second DPO
 * sees when confirming an erasure are exactly those erased, and exactly those an access package
 * of the same scope holds — including a receipt-code conversation not linked to the account.
 */
describe("requests: one reading of scope for the confirmation, the erasure and the export", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;
  let receiptConv: Awaited<ReturnType<typeof makeConversation>>;
  beforeEach(async () => {
    ctx = await freshContext();
    w = await world(ctx);
    // The person proved this conversation with its receipt code; it was never linked to the account.
    receiptConv = await makeConversation(ctx, w.org.id, { subjectId: null, topic: "Anonymous", startedAt: new Date("2026-01-28T10:00:00Z"), messages: [{ body: "anonymous chat" }] });
  });

  const idsOnPage = (html: string) => [...new Set([...html.matchAll(/\/staff\/conversations\/([0-9a-f-]{36})\/transcript/g)].map((m) => m[1]!))].sort();

  for (const [label, scope, chosen] of [
    ["all conversations", "all_conversations", () => []],
    ["chosen conversations", "chosen_conversations", () => [w.second.id, receiptConv.id, w.foreign.id]],
  ] as [string, RequestScope, () => string[]][]) {
    it(`${label}: confirmed = erased = exported`, async () => {
      const base = { subjectId: w.subject.id, receiptConversationId: receiptConv.id, scope, conversationIds: chosen() };
      const erasure = await insertRequest(ctx, w.org, { ...base, type: "erasure", status: "in_review" });
      const access = await insertRequest(ctx, w.org, { ...base, type: "access", status: "in_progress" });
      const app = buildApp(ctx);

      expect((await postForm(await staffAgent(ctx, app, w, w.dpo.id), `/staff/requests/${erasure.id}/approve`, { message: "", confirm: "yes" })).status).to.equal(303);
      const second = await staffAgent(ctx, app, w, w.dpo2.id);
      const page = await second.get(`/staff/requests/${erasure.id}`);
      expect(page.text).to.include(`action="/staff/requests/${erasure.id}/confirm-erasure"`);
      const confirmed = idsOnPage(page.text);

      // The package first: the confirmation queues the erasure, which the job run then carries out.
      const { file } = await buildNow(ctx, access.id, "access_zip");
      const files = await unzip(file);
      const exported = [...files.entries()].filter(([n]) => /^conversations\/.*\.json$/.test(n)).map(([, b]) => JSON.parse(b.toString("utf8")).id as string).sort();

      expect((await postForm(second, `/staff/requests/${erasure.id}/confirm-erasure`, { confirm: "yes" })).status).to.equal(303);
      await runJobs(ctx);
      const [done] = await ctx.db.select().from(requests).where(eq(requests.id, erasure.id));
      expect(done!.status).to.equal("completed");
      const erased = (await ctx.db.select({ id: conversations.id }).from(conversations).where(isNotNull(conversations.erasedAt))).map((c) => c.id).sort();

      expect(confirmed).to.include(receiptConv.id).and.not.include(w.foreign.id);
      expect(erased, "erased = confirmed").to.deep.equal(confirmed);
      expect(exported, "exported = confirmed").to.deep.equal(confirmed);
      const [foreign] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.foreign.id));
      expect(foreign!.erasedAt).to.equal(null);
    });
  }
});
