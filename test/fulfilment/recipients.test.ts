import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { verifyWebhookSignature } from "../../src/fulfilment/webhooks.js";
import { auditLog, outbox, recipients, recipientTasks, requests } from "../../src/db/schema/index.js";
import { deliverOutbox } from "../../src/jobs.js";
import { readResult } from "../../src/requests/result.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { actorOf, insertRequest, postForm, staffAgent, world, type World } from "./helpers.js";

/** A real receiver that checks each webhook's signature. */
function receiver(secret: () => string, now: () => Date) {
  const got: { body: string; valid: boolean }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      got.push({ body, valid: verifyWebhookSignature(secret(), String(req.headers["x-rightsdesk-timestamp"]), body, String(req.headers["x-rightsdesk-signature"]), now()) });
      res.writeHead(204).end();
    });
  });
  return {
    got,
    start: () => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))),
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe("fulfilment: recipients (Art. 19)", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;
  beforeEach(async () => {
    ctx = await freshContext();
    w = await world(ctx);
  });

  it("admins keep the list; each erasure creates a task per active recipient, webhooks carry ids only, staff confirm with a note, the requester sees who was told", async () => {
    const app = buildApp(ctx);
    const admin = await staffAgent(ctx, app, w, w.admin.id);
    let secret = "";
    const rx = receiver(() => secret, () => ctx.clock.now());
    const port = await rx.start();
    try {
      // Add: a bad address is refused next to the field; a good one shows its secret once.
      const bad = await postForm(admin, "/staff/recipients", { name: "Vendor", webhookUrl: "ftp://nope" }, "/staff/recipients");
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include("Enter a web address starting with https://");
      const added = await postForm(admin, "/staff/recipients", { name: "Platform Webhook Oy", description: "Chat platform", webhookUrl: `http://127.0.0.1:${port}/rightsdesk` }, "/staff/recipients");
      expect(added.status).to.equal(201);
      secret = /<code class="code">([^<]+)<\/code>/.exec(added.text)![1]!;
      expect(secret).to.match(/^whsec_/);
      const [stored] = await ctx.db.select().from(recipients).where(eq(recipients.name, "Platform Webhook Oy"));
      expect(stored!.webhookSecretEnc).to.not.include(secret);
      expect((await postForm(admin, "/staff/recipients", { name: "Support inbox" }, "/staff/recipients")).status).to.equal(303);
      const old = await postForm(admin, "/staff/recipients", { name: "Old CRM" }, "/staff/recipients");
      expect(old.status).to.equal(303);
      const [crm] = await ctx.db.select().from(recipients).where(eq(recipients.name, "Old CRM"));
      expect((await postForm(admin, `/staff/recipients/${crm!.id}/deactivate`, {}, "/staff/recipients")).status).to.equal(303);
      // Edit: rename the seeded recipient.
      expect((await admin.get(`/staff/recipients/${w.recipient.id}/edit`)).status).to.equal(200);
      expect((await postForm(admin, `/staff/recipients/${w.recipient.id}`, { name: "Chat Platform Oy (vendor)", description: "" }, "/staff/recipients")).status).to.equal(303);
      const list = await admin.get("/staff/recipients");
      expect(list.text).to.include("Chat Platform Oy (vendor)").and.include("Support inbox").and.include("Inactive");
      expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "recipient.deactivated"))).to.have.length(1);

      // An erasure of one conversation: three active recipients → three tasks, one webhook.
      const r = await insertRequest(ctx, w.org, {
        subjectId: w.subject.id, type: "erasure", scope: "chosen_conversations", conversationIds: [w.first.id], erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
      });
      const done = await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id);
      const tasks = await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, r.id));
      expect(tasks).to.have.length(3);
      expect(readResult(done)!.recipients.map((x) => x.name).sort()).to.deep.equal(["Chat Platform Oy (vendor)", "Platform Webhook Oy", "Support inbox"]);
      const hooks = await ctx.db.select().from(outbox).where(and(eq(outbox.kind, "webhook"), eq(outbox.requestId, r.id)));
      expect(hooks).to.have.length(1);

      await deliverOutbox(ctx);
      expect(rx.got).to.have.length(1);
      expect(rx.got[0]!.valid).to.equal(true);
      const body = JSON.parse(rx.got[0]!.body) as { event: string; data: Record<string, unknown> };
      expect(body.event).to.equal("erasure");
      expect(body.data).to.deep.equal({ action: "erasure", subject: null, conversations: [w.secrets.convExt[0]] });
      for (const personal of [w.secrets.email, w.secrets.name, "Family", w.secrets.messages[0]!]) expect(rx.got[0]!.body).to.not.include(personal);
      const webhookTask = (await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, r.id))).find((t) => t.webhookStatus);
      expect(webhookTask!.webhookStatus).to.equal("delivered");

      // Staff confirm each task with a note; an empty note is refused.
      const reviewer = await staffAgent(ctx, app, w, w.reviewer.id);
      const page = await reviewer.get(`/staff/requests/${r.id}`);
      expect(page.text).to.include("Recipients to tell").and.include("webhook delivered");
      expect((await postForm(reviewer, `/staff/requests/${r.id}/recipient-tasks/${tasks[0]!.id}/confirm`, { note: "  " })).status).to.equal(422);
      for (const t of tasks) {
        expect((await postForm(reviewer, `/staff/requests/${r.id}/recipient-tasks/${t.id}/confirm`, { note: "Told them by e-mail on 2 March" })).status).to.equal(303);
      }
      const confirmed = await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, r.id));
      expect(confirmed.every((t) => t.status === "confirmed" && t.confirmedBy === w.reviewer.id && t.note === "Told them by e-mail on 2 March")).to.equal(true);
      expect((await postForm(reviewer, `/staff/requests/${r.id}/recipient-tasks/${tasks[0]!.id}/confirm`, { note: "again" })).status).to.equal(422);

      // The requester sees who was told.
      const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      expect(readResult(row!)!.recipients.every((x) => x.confirmedAt !== null)).to.equal(true);
      const requester = await signedInAgent(ctx, app, { orgId: w.org.id, subjectId: w.subject.id, email: w.secrets.email, host: `${w.org.slug}.test` });
      const mine = await requester.get(`/requests/${r.reference}`);
      expect(mine.text).to.include("Who we told").and.include("Platform Webhook Oy").and.include("Support inbox").and.not.include("Old CRM");
      expect(mine.text).to.not.include("Told them by e-mail");
    } finally {
      await rx.stop();
    }
  });

  it("an objection to research, a rectification and a restriction each reach the recipients (Art. 19, 21(6))", async () => {
    const objection = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "objection", scope: "all_conversations" });
    await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, objection.id);
    expect((await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, objection.id))).map((t) => t.action)).to.deep.equal(["research_objection"]);
    for (const type of ["rectification", "restriction"] as const) {
      const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type, scope: "chosen_conversations", conversationIds: [w.second.id], details: { statement: "A statement" } });
      await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id);
      const tasks = await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, r.id));
      expect(tasks.map((t) => t.action)).to.deep.equal([type]);
    }
  });
});
