/**
 * readMessages: pages in order, and with labels: "naming" (what exports use) only the labels that
 * name someone are opened (workers', other participants'); the requester's and the system's stay
 * sealed, since packages show them by role.
 */
import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg } from "../support/factories.js";
import { readMessages } from "../../src/chats/conversation-store.js";

describe("chats: readMessages", () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await freshContext();
  });

  async function conversation() {
    const org = await makeOrg(ctx);
    return makeConversation(ctx, org.id, {
      messages: [
        { body: "hi", senderRole: "subject", senderLabel: "my_handle" },
        { body: "hello", senderRole: "worker", senderLabel: "Worker Anna" },
        { body: "joined", senderRole: "system", senderLabel: "bot" },
        { body: "me too", senderRole: "other", senderLabel: "handle_7" },
      ],
    });
  }

  it("opens every label by default", async () => {
    const conv = await conversation();
    const page = await readMessages(ctx.db, ctx.keys, conv);
    expect(page.map((m) => [m.senderRole, m.senderLabel, m.body])).to.deep.equal([
      ["subject", "my_handle", "hi"], ["worker", "Worker Anna", "hello"], ["system", "bot", "joined"], ["other", "handle_7", "me too"],
    ]);
  });

  it("with labels: naming, opens only workers' and other participants' labels", async () => {
    const conv = await conversation();
    const page = await readMessages(ctx.db, ctx.keys, conv, { labels: "naming" });
    expect(page.map((m) => [m.senderRole, m.senderLabel, m.body])).to.deep.equal([
      ["subject", null, "hi"], ["worker", "Worker Anna", "hello"], ["system", null, "joined"], ["other", "handle_7", "me too"],
    ]);
  });

  it("pages by keyset: a page after the last id of the previous one, nothing repeated or lost", async () => {
    const conv = await conversation();
    const first = await readMessages(ctx.db, ctx.keys, conv, { limit: 3 });
    const rest = await readMessages(ctx.db, ctx.keys, conv, { limit: 3, afterId: first[2]!.id });
    expect([...first, ...rest].map((m) => m.body)).to.deep.equal(["hi", "hello", "joined", "me too"]);
  });
});
