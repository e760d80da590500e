import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { buildApp } from "../../src/app.js";
import { conversations, outbox, recipientTasks } from "../../src/db/schema/index.js";
import { createApiToken } from "../../src/chats/create-api-token.js";
import { createRecipient } from "../../src/fulfilment/webhooks.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { insertRequest, world, type World } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

/** Art. 21(6): an objection to research reaches the chat platform and research partners. */
describe("fulfilment: an objection to research leaves Rightsdesk", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let w: World;
  beforeEach(async () => {
    ctx = await freshContext();
    w = await world(ctx);
    await ctx.db.transaction((tx) => createRecipient(ctx, tx, { orgId: w.org.id, name: "Research partner", webhookUrl: "http://127.0.0.1:9/hooks" }));
  });

  it("a webhook event and a task for each recipient, naming records by the platform's ids only", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "objection", scope: "chosen_conversations", conversationIds: [w.first.id] });
    await fulfilRequest(ctx, { type: "system" }, w.org.id, r.id);
    const tasks = await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, r.id));
    expect(tasks.map((t) => t.action)).to.deep.equal(["research_objection", "research_objection"]);
    const hooks = await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.kind, "webhook"), eq(outbox.template, "research_objection"))));
    expect(hooks).to.have.length(1);
    expect(hooks[0]!.payload).to.deep.equal({ event: "research_objection", data: { action: "research_objection", subject: null, conversations: [w.secrets.convExt[0]] } });
    expect(JSON.stringify(hooks[0]!.payload)).to.not.include(w.secrets.email);
  });

  it("the platform API's conversation says it is objected to", async () => {
    const admin = { type: "staff" as const, id: w.admin.id, role: "admin" };
    const { token } = await createApiToken(ctx, admin, { orgId: w.org.id, name: "platform", scopes: ["ingest"] });
    const app = buildApp(ctx);
    const get = () => request(app).get(`/api/v1/conversations/${w.secrets.convExt[0]}`).set("Host", `${w.org.slug}.test`).set("Authorization", `Bearer ${token}`);
    let res = await get();
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.include({ externalId: w.secrets.convExt[0], researchObjection: false });
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "objection", scope: "all_conversations" });
    await fulfilRequest(ctx, { type: "system" }, w.org.id, r.id);
    res = await get();
    expect(res.body).to.deep.include({ researchObjection: true });
    const [c] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.first.id));
    expect(c!.researchObjectionAt).to.equal(null); // the person objected as a whole; the API says so per conversation
    const openapi = await request(app).get("/api/v1/openapi.json").set("Host", `${w.org.slug}.test`);
    expect(JSON.stringify(openapi.body)).to.include("researchObjection").and.include("getConversation");
  });
});
