import { expect } from "chai";
import { eq, sql } from "drizzle-orm";
import { requestMessages, requests, subjectKeys } from "../../src/db/schema/index.js";
import { postRequestMessage } from "../../src/requests/post-message.js";
import { extendRequest } from "../../src/requests/extend-request.js";
import { sealExistingRequestTexts } from "../../src/requests/seal-existing-request-texts.js";
import { rejectRequest } from "../../src/staff/reject-request.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { freshExportsContext } from "../exports/helpers.js";
import { actorOf, insertRequest, scan, world, type World } from "../fulfilment/helpers.js";
import type { TestContext } from "../support/context.js";
import { openedRequest, threadOf } from "../support/request-texts.js";

/**
 * Issue 18: what a requester writes on a request (details, messages) and what is written to them
 * (messages, decision and extension reasons) is sealed under their key: no column of any table
 * holds it in plain text or hex, the portal still reads it, and erasure shreds it.
 */
describe("requests: details, threads and reasons sealed under the requester's key", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;
  beforeEach(async () => {
    ctx = await freshExportsContext();
    w = await world(ctx);
  });

  /** A rectification with a corrected value, a thread both ways, a refusal and an extension, all of the subject. */
  async function writeEverything(owner: { subjectId: string | null; receiptConversationId?: string | null }) {
    const t = w.tag;
    const words = {
      corrected: `Corrected Value ${t}`, fromRequester: `My own words about this ${t}`, fromStaff: `Which chats do you mean ${t}`,
      refusal: `Refused because of reasons ${t}`, extension: `Three systems hold the chats ${t}`,
    };
    const org = w.org as unknown as Parameters<typeof rejectRequest>[2]["org"];
    const rectification = await insertRequest(ctx, w.org, { ...owner, type: "rectification", scope: "profile", status: "in_review", details: { field: "displayName", value: words.corrected } });
    await postRequestMessage(ctx, org, { type: "subject", id: owner.subjectId }, rectification, words.fromRequester);
    await postRequestMessage(ctx, org, { type: "staff", id: w.dpo.id, role: "dpo" }, rectification, words.fromStaff);
    await extendRequest(ctx, actorOf(w.dpo), w.org.id, rectification.id, words.extension, "complexity");
    const refused = await insertRequest(ctx, w.org, { ...owner, type: "access", scope: "all_conversations", status: "in_review" });
    await rejectRequest(ctx, actorOf(w.dpo), { org, requestId: refused.id, legalGround: "manifestly_unfounded_or_excessive", reason: words.refusal, message: "" });
    return { words, rectification, refused };
  }

  it("stores none of them in plain text or hex, while the request's own readers open them", async () => {
    const { words, rectification, refused } = await writeEverything({ subjectId: w.subject.id });
    expect(await scan(ctx, Object.values(words))).to.deep.equal([]);

    const opened = await openedRequest(ctx, rectification.id);
    expect(opened.given).to.deep.equal({ field: "displayName", value: words.corrected });
    expect(opened.extensionReason).to.equal(words.extension);
    expect((await openedRequest(ctx, refused.id)).decisionReason).to.equal(words.refusal);
    const bodies = (await threadOf(ctx, rectification.id)).map((m) => m.body).join("\n");
    expect(bodies).to.include(words.fromRequester).and.include(words.fromStaff).and.include(words.extension);
  });

  it("erasure of the subject shreds them: the key is gone and nothing opens", async () => {
    const { words, rectification, refused } = await writeEverything({ subjectId: w.subject.id });
    const erasure = await insertRequest(ctx, w.org, {
      subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, erasure.id);
    const opened = await openedRequest(ctx, rectification.id);
    expect(opened).to.deep.include({ given: {}, extensionReason: null, subjectKeyId: null });
    expect((await openedRequest(ctx, refused.id)).decisionReason).to.equal(null);
    expect((await threadOf(ctx, rectification.id)).map((m) => m.body)).to.satisfy((b: string[]) => b.every((x) => x === ""));
    expect(await scan(ctx, Object.values(words))).to.deep.equal([]);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, erasure.id));
    expect((row!.result as { erasure: { shredded: Record<string, number> } }).erasure.shredded.request_texts).to.be.greaterThan(2);
  });

  it("a receipt-code requester's request has a key of its own, shredded when the conversation is erased", async () => {
    const owner = { subjectId: null, receiptConversationId: w.second.id };
    const { words, rectification } = await writeEverything(owner);
    const keyId = (await openedRequest(ctx, rectification.id)).subjectKeyId!;
    const [key] = await ctx.db.select().from(subjectKeys).where(eq(subjectKeys.id, keyId));
    expect(key!.subjectId).to.equal(null);
    expect((await threadOf(ctx, rectification.id)).map((m) => m.body)).to.include(words.fromRequester);

    const erasure = await insertRequest(ctx, w.org, {
      ...owner, type: "erasure", scope: "chosen_conversations", conversationIds: [w.second.id], status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, erasure.id);
    expect(await ctx.db.select().from(subjectKeys).where(eq(subjectKeys.id, keyId))).to.deep.equal([]);
    expect((await openedRequest(ctx, rectification.id)).given).to.deep.equal({});
    expect((await threadOf(ctx, rectification.id)).map((m) => m.body)).to.not.include(words.fromRequester);
  });

  it("the data migration seals plaintext left by earlier versions in place and drops the plaintext columns", async () => {
    // The columns as migration 0012 leaves them until the data migration runs, with plaintext in them.
    await ctx.db.execute(sql.raw(`alter table requests add column if not exists decision_reason text, add column if not exists extension_reason text`));
    await ctx.db.execute(sql.raw(`alter table request_messages add column if not exists body text`));
    const old = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "access", scope: "all_conversations", status: "rejected" });
    const receipt = await insertRequest(ctx, w.org, { subjectId: null, receiptConversationId: w.second.id, type: "access", scope: "all_conversations", status: "in_review" });
    const t = w.tag;
    await ctx.db.execute(sql`update requests set subject_key_id = null, details_enc = null, details = ${JSON.stringify({ note: `legacy note ${t}`, notesWithheldReason: "kept plain" })}::jsonb,
      decision_reason = ${`legacy refusal ${t}`}, extension_reason = ${`legacy extension ${t}`} where id in (${old.id}, ${receipt.id})`);
    await ctx.db.insert(requestMessages).values({ requestId: old.id, authorType: "requester", createdAt: ctx.clock.now() });
    await ctx.db.execute(sql`update request_messages set body = ${`legacy message ${t}`} where request_id = ${old.id}`);
    const legacy = [`legacy note ${t}`, `legacy refusal ${t}`, `legacy extension ${t}`, `legacy message ${t}`];
    expect(await scan(ctx, legacy)).to.have.length.greaterThan(0);

    await ctx.db.transaction((tx) => sealExistingRequestTexts(ctx, tx));

    expect(await scan(ctx, legacy)).to.deep.equal([]);
    const opened = await openedRequest(ctx, old.id);
    expect(opened).to.deep.include({ given: { note: `legacy note ${t}` }, decisionReason: `legacy refusal ${t}`, extensionReason: `legacy extension ${t}`, details: { notesWithheldReason: "kept plain" } });
    expect((await threadOf(ctx, old.id)).map((m) => m.body)).to.deep.equal([`legacy message ${t}`]);
    expect((await openedRequest(ctx, receipt.id)).decisionReason).to.equal(`legacy refusal ${t}`);
  });
});
