import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { auditLog, outbox, recipients, recipientTasks, requests } from "../../src/db/schema/index.js";
import { outboxDeliverers } from "../../src/jobs.js";
import { deliverDueOutbox } from "../../src/platform/outbox.js";
import { NotFoundError } from "../../src/platform/errors.js";
import {
  createRecipient, enqueueRecipientWebhook, signWebhook, verifyWebhookSignature, WEBHOOK_SECRET_PURPOSE,
} from "../../src/fulfilment/webhooks.js";

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  valid: boolean;
}

/** A real HTTP receiver on 127.0.0.1 that checks each signature the way a platform would. */
class Receiver {
  server: http.Server | undefined;
  accepted: Delivery[] = [];
  seen = 0;
  status = 204;
  port = 0;

  constructor(
    private secret: () => string,
    private now: () => Date,
  ) {}

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.seen += 1;
        const body = Buffer.concat(chunks).toString("utf8");
        const valid = verifyWebhookSignature(
          this.secret(), String(req.headers["x-rightsdesk-timestamp"]), body, String(req.headers["x-rightsdesk-signature"]), this.now(),
        );
        const status = valid ? this.status : 401;
        if (status >= 200 && status < 300) this.accepted.push({ headers: req.headers, body, valid });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

describe("chats: outbound webhooks", () => {
  let ctx: TestContext;
  let orgId: string;
  let receiver: Receiver;
  let secret = "";

  beforeEach(async () => {
    ctx = await freshContext();
    orgId = (await makeOrg(ctx)).id;
    receiver = new Receiver(() => secret, () => ctx.clock.now());
    await receiver.start();
  });
  afterEach(() => receiver.stop());

  async function setup(opts: { webhook?: boolean } = {}) {
    const { recipient, secret: s } = await ctx.db.transaction((tx) =>
      createRecipient(ctx, tx, { orgId, name: "Chat platform", webhookUrl: opts.webhook === false ? null : `http://127.0.0.1:${receiver.port}/hooks/rightsdesk` }),
    );
    secret = s ?? "";
    const [request] = await ctx.db
      .insert(requests)
      .values({
        orgId, reference: `RD-TEST-${Math.random().toString(36).slice(2, 6).toUpperCase()}`, type: "erasure", scope: "all_conversations",
        dedupeKey: "test", status: "in_progress", assurance: "account", locale: "en", receivedAt: ctx.clock.now(),
        dueDate: "2026-04-02", effectiveDueDate: "2026-04-02",
      })
      .returning();
    await ctx.db.insert(recipientTasks).values({ requestId: request!.id, recipientId: recipient.id, action: "erasure" });
    return { recipient, request: request! };
  }

  const enqueue = (recipientId: string, requestId: string, event: "erasure" | "rectification" | "restriction" = "erasure") =>
    ctx.db.transaction((tx) =>
      enqueueRecipientWebhook(tx, ctx, { orgId, recipientId, requestId, event, data: { conversations: ["conv-1", "conv-2"], subject: "acct-1" } }),
    );
  const deliver = () => deliverDueOutbox(ctx, outboxDeliverers());
  const taskStatus = async (requestId: string) =>
    (await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, requestId)))[0]!.webhookStatus;

  it("signs and verifies: tampering, wrong secrets and stale timestamps fail", () => {
    const now = new Date("2026-03-02T09:00:00Z");
    const ts = String(now.getTime() / 1000);
    const body = '{"event":"erasure"}';
    const sig = signWebhook("whsec_x", ts, body);
    expect(sig).to.match(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature("whsec_x", ts, body, sig, now)).to.equal(true);
    expect(verifyWebhookSignature("whsec_x", ts, body.replace("erasure", "rectification"), sig, now)).to.equal(false);
    expect(verifyWebhookSignature("whsec_y", ts, body, sig, now)).to.equal(false);
    expect(verifyWebhookSignature("whsec_x", ts, body, sig, new Date(now.getTime() + 301_000))).to.equal(false);
    expect(verifyWebhookSignature("whsec_x", ts, body, sig, new Date(now.getTime() + 299_000))).to.equal(true);
    expect(verifyWebhookSignature("whsec_x", "abc", body, sig, now)).to.equal(false);
    expect(verifyWebhookSignature("whsec_x", ts, body, "sha256=00", now)).to.equal(false);
  });

  it("creates a recipient with a secret shown once and stored sealed", async () => {
    const { recipient } = await setup();
    expect(secret).to.match(/^whsec_[\w-]{43}$/);
    const [row] = await ctx.db.select().from(recipients).where(eq(recipients.id, recipient.id));
    expect(row!.webhookSecretEnc).not.to.include(secret.slice(6));
    expect(ctx.keys.openWithMaster(row!.webhookSecretEnc!, WEBHOOK_SECRET_PURPOSE)).to.equal(secret);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "recipient.created"));
    expect(JSON.stringify(entry!.details)).not.to.include(secret.slice(6, 20));
  });

  it("delivers a signed POST to a real receiver and marks the recipient task delivered", async () => {
    const { recipient, request } = await setup();
    expect(await enqueue(recipient.id, request.id)).to.equal(true);
    expect(await enqueue(recipient.id, request.id)).to.equal(true); // queued once (dedupe key)
    expect(await ctx.db.select().from(outbox)).to.have.length(1);
    expect(await taskStatus(request.id)).to.equal("pending");

    expect(await deliver()).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
    expect(receiver.accepted).to.have.length(1);
    const got = receiver.accepted[0]!;
    expect(got.valid).to.equal(true);
    expect(got.headers["content-type"]).to.equal("application/json");
    expect(got.headers["x-rightsdesk-event"]).to.equal("erasure");
    const [row] = await ctx.db.select().from(outbox);
    expect(got.headers["x-rightsdesk-delivery"]).to.equal(row!.id);
    expect(JSON.parse(got.body)).to.deep.equal({
      id: row!.id, event: "erasure", createdAt: row!.createdAt.toISOString(), requestId: request.id,
      data: { conversations: ["conv-1", "conv-2"], subject: "acct-1" },
    });
    expect(await taskStatus(request.id)).to.equal("delivered");
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 0, failed: 0 });
    // Enqueued again later (a retried fulfilment step): nothing new, and the status stays.
    expect(await enqueue(recipient.id, request.id)).to.equal(true);
    expect(await taskStatus(request.id)).to.equal("delivered");
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 0, failed: 0 });
  });

  it("survives the receiver being down: retried with backoff, then delivered exactly once", async () => {
    const { recipient, request } = await setup();
    const port = receiver.port;
    await receiver.stop();
    await enqueue(recipient.id, request.id, "restriction");

    expect(await deliver()).to.deep.equal({ sent: 0, retried: 1, failed: 0 });
    expect(await taskStatus(request.id)).to.equal("retrying");
    let [row] = await ctx.db.select().from(outbox);
    expect(row).to.include({ status: "pending", attempts: 1, lastError: "ECONNREFUSED" });
    expect(row!.nextAttemptAt.getTime() - ctx.clock.now().getTime()).to.equal(30_000);
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 0, failed: 0 }); // not due yet

    ctx.clock.advance(31_000);
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 1, failed: 0 }); // still down
    [row] = await ctx.db.select().from(outbox);
    expect(row!.nextAttemptAt.getTime() - ctx.clock.now().getTime()).to.equal(60_000);

    // Back up, answering 503 for a while (a deploy in progress): still retried.
    await receiver.start(port);
    receiver.status = 503;
    ctx.clock.advance(61_000);
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 1, failed: 0 });
    expect(receiver.seen).to.equal(1);
    expect(receiver.accepted).to.have.length(0);

    receiver.status = 200;
    ctx.clock.advance(121_000);
    expect(await deliver()).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
    expect(receiver.accepted).to.have.length(1);
    expect(receiver.accepted[0]!.valid).to.equal(true);
    expect(JSON.parse(receiver.accepted[0]!.body).event).to.equal("restriction");
    expect(await taskStatus(request.id)).to.equal("delivered");

    ctx.clock.advance(3_600_000);
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 0, failed: 0 });
    expect(receiver.accepted).to.have.length(1);
  });

  it("retries 408 and 429, gives up at once on other 4xx", async () => {
    const { recipient, request } = await setup();
    await enqueue(recipient.id, request.id);
    for (const status of [429, 408]) {
      receiver.status = status;
      expect(await deliver()).to.deep.equal({ sent: 0, retried: 1, failed: 0 });
      ctx.clock.advance(3_600_000);
    }
    receiver.status = 410;
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 0, failed: 1 });
    const [row] = await ctx.db.select().from(outbox);
    expect(row).to.include({ status: "failed", lastError: "HTTP 410" });
    expect(await taskStatus(request.id)).to.equal("failed");
  });

  it("a signature the receiver cannot verify (401) fails permanently", async () => {
    const { recipient, request } = await setup();
    await enqueue(recipient.id, request.id);
    const real = secret;
    secret = "whsec_someone-else";
    expect(await deliver()).to.deep.equal({ sent: 0, retried: 0, failed: 1 }); // 401 is permanent
    secret = real;
    expect(receiver.accepted).to.have.length(0);
  });

  it("queues nothing for a recipient without a webhook, and refuses another organization's recipient", async () => {
    const { recipient, request } = await setup({ webhook: false });
    expect(await enqueue(recipient.id, request.id)).to.equal(false);
    expect(await ctx.db.select().from(outbox)).to.have.length(0);

    const other = await makeOrg(ctx);
    const { recipient: foreign } = await ctx.db.transaction((tx) => createRecipient(ctx, tx, { orgId: other.id, name: "Other", webhookUrl: "http://127.0.0.1:9/x" }));
    const err = await enqueue(foreign.id, request.id).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotFoundError);
    const tasks = await ctx.db.select().from(recipientTasks).where(and(eq(recipientTasks.requestId, request.id)));
    expect(tasks[0]!.webhookStatus).to.equal(null);
  });
});
