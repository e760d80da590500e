import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { outbox } from "../../src/db/schema/index.js";
import { createMailTransport, type MailTransport, type OutgoingMail } from "../../src/platform/mail-transport.js";
import { queueMail } from "../../src/mail/queue-mail.js";
import { deliverOutbox } from "../../src/jobs.js";
import { LEASE_MS, MAX_ATTEMPTS, deliverDueOutbox, enqueueOutbox } from "../../src/platform/outbox.js";
import { sendOutboxMail } from "../../src/mail/send-outbox-mail.js";
import { failedMailForRequest, listFailedMail } from "../../src/mail/failures.js";
import { SmtpPeer, insertRequest } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

const MINUTE = 60_000;

/** Counts the messages handed to the transport (delivery attempts that reached it). */
function counting(inner: MailTransport): MailTransport & { calls: number } {
  const wrapper = {
    kind: inner.kind,
    calls: 0,
    async send(mail: OutgoingMail) {
      wrapper.calls += 1;
      await inner.send(mail);
    },
    close: () => inner.close(),
  };
  return wrapper;
}

async function rows(ctx: TestContext) {
  return openedOutbox(ctx, ctx.db.select().from(outbox).orderBy(outbox.createdAt));
}

async function queueSome(ctx: TestContext, orgId: string, n: number, to = (i: number) => `person${i}@example.test`, requestId?: string) {
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < n; i++) {
      await queueMail(tx, ctx, {
        orgId, to: to(i), template: "message_waiting", locale: ["en", "fi", "sv", "nl", "et"][i % 5]!,
        data: { reference: `RD-TEST-${String(i).padStart(4, "0")}`, requestUrl: `${ctx.config.BASE_URL}/requests/RD-TEST-${i}`, orgName: "Helpline" },
        requestId,
      });
      ctx.clock.advance(1); // distinct queue times keep the order stable
    }
  });
}

describe("mail: delivery through the outbox to a real SMTP server", () => {
  let ctx: TestContext;
  let peer: SmtpPeer;
  let transport: ReturnType<typeof counting>;

  beforeEach(async () => {
    peer = new SmtpPeer();
    await peer.start();
    transport = counting(createMailTransport({ smtpUrl: peer.url, dataDir: "/nonexistent" }));
    ctx = await freshContext({ mail: transport });
  });

  afterEach(async () => {
    await peer.stop();
    transport.close();
  });

  it("loses nothing and sends nothing twice when the server is down for an hour", async () => {
    const org = await makeOrg(ctx);
    await peer.stop(); // the server goes down; mail keeps being queued
    await queueSome(ctx, org.id, 20);

    const first = await deliverOutbox(ctx);
    expect(first).to.deep.equal({ sent: 0, retried: 20, failed: 0 });
    // One connection attempt for the whole batch: the rest waits instead of hammering the server.
    expect(transport.calls).to.equal(1);

    // An hour of outage, with the delivery loop running every few minutes.
    let attemptsDuringOutage = 0;
    for (let minute = 0; minute < 60; minute += 5) {
      ctx.clock.advance(5 * MINUTE);
      const before = transport.calls;
      const counts = await deliverOutbox(ctx);
      expect(counts.sent).to.equal(0);
      expect(counts.failed).to.equal(0);
      if (counts.retried > 0) expect(transport.calls - before).to.equal(1);
      attemptsDuringOutage += counts.retried;
    }
    expect(attemptsDuringOutage).to.be.greaterThan(20 * 4);
    const waiting = await rows(ctx);
    expect(waiting).to.have.length(20);
    for (const r of waiting) {
      expect(r.status).to.equal("pending");
      expect(r.attempts).to.be.greaterThan(4);
      expect(r.lastError).to.match(/^(ECONNECTION|ESOCKET)/);
      expect(r.lastError).not.to.include("@");
    }
    expect(peer.received).to.have.length(0);

    // The server comes back on the same port.
    await peer.start(peer.port);
    for (let i = 0; i < 8; i++) {
      ctx.clock.advance(5 * MINUTE);
      await deliverOutbox(ctx);
    }
    const done = await rows(ctx);
    expect(done.map((r) => r.status)).to.deep.equal(Array(20).fill("sent"));

    // More passes of the loop find nothing to send.
    ctx.clock.advance(60 * MINUTE);
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 0, retried: 0, failed: 0 });

    const ids = peer.received.map((m) => m.messageId);
    expect(ids).to.have.length(20);
    expect(new Set(ids).size).to.equal(20);
    expect([...ids].sort()).to.deep.equal(done.map((r) => r.messageId).sort());
    expect(peer.received.map((m) => m.to[0]).sort()).to.deep.equal(done.map((r) => r.recipient).sort());
  });

  it("marks a refused address (5xx) failed for good and shows it to staff and admins", async () => {
    const org = await makeOrg(ctx);
    const other = await makeOrg(ctx);
    const request = await insertRequest(ctx, org.id);
    peer.rejectRcpt = (address) => (address.startsWith("nobody") ? { code: 550, message: "5.1.1 No such user here" } : undefined);
    await queueSome(ctx, org.id, 3, (i) => (i === 1 ? "nobody@example.test" : `person${i}@example.test`), request.id);
    await queueSome(ctx, other.id, 1, () => "nobody@example.test");

    const counts = await deliverOutbox(ctx);
    expect(counts).to.deep.equal({ sent: 2, retried: 0, failed: 2 });
    ctx.clock.advance(60 * MINUTE);
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 0, retried: 0, failed: 0 });

    const failed = await listFailedMail(ctx, org.id);
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({
      requestId: request.id, requestReference: request.reference, template: "message_waiting",
      recipient: "nobody@example.test", kind: "rejected", reason: "SMTP 550 5.1.1", attempts: 1,
    });
    expect(failed[0]!.failedAt).to.be.instanceOf(Date);
    const forRequest = await failedMailForRequest(ctx, request.id);
    expect(forRequest.map((f) => f.id)).to.deep.equal([failed[0]!.id]);
    expect(await failedMailForRequest(ctx, (await insertRequest(ctx, org.id)).id)).to.deep.equal([]);
    expect((await listFailedMail(ctx, other.id)).map((f) => f.requestId)).to.deep.equal([null]);
    expect(peer.received.map((m) => m.to[0]).sort()).to.deep.equal(["person0@example.test", "person2@example.test"]);
  });

  it("retries a temporary refusal (4xx) with exponential backoff", async () => {
    const org = await makeOrg(ctx);
    let busy = true;
    peer.rejectRcpt = () => (busy ? { code: 450, message: "4.2.1 Mailbox busy, try later" } : undefined);
    await queueSome(ctx, org.id, 1);

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 0, retried: 1, failed: 0 });
      const [row] = await rows(ctx);
      expect(row!.lastError).to.equal("SMTP 450 4.2.1");
      delays.push(row!.nextAttemptAt.getTime() - ctx.clock.now().getTime());
      expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 0, retried: 0, failed: 0 }); // not due yet
      ctx.clock.set(row!.nextAttemptAt);
    }
    expect(delays).to.deep.equal([30_000, 60_000, 120_000, 240_000]);
    busy = false;
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
    expect(peer.received).to.have.length(1);
  });

  it("gives up after MAX_ATTEMPTS and lists the mail as given up", async () => {
    const org = await makeOrg(ctx);
    await peer.stop();
    await queueSome(ctx, org.id, 1);
    await ctx.db.update(outbox).set({ attempts: MAX_ATTEMPTS - 1 });
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 0, retried: 0, failed: 1 });
    const [failed] = await listFailedMail(ctx, org.id);
    expect(failed!.kind).to.equal("gave_up");
    expect(failed!.reason).to.match(/^gave up after 150 attempts: (ECONNECTION|ESOCKET)/);
  });

  it("keeps no sign-in code in the outbox once the mail is delivered", async () => {
    const org = await makeOrg(ctx);
    await queueMail(ctx.db, ctx, { orgId: org.id, to: "c@example.test", template: "verification_code", locale: "en", data: { code: "4829 1357", minutes: 15, orgName: "Helpline" } });
    const [queued] = await rows(ctx);
    expect(JSON.stringify(queued!.payload)).to.contain("4829 1357");
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
    expect(peer.received[0]!.raw).to.contain("4829 1357");
    const [sent] = await rows(ctx);
    expect(sent!.status).to.equal("sent");
    expect(sent!.payload).to.deep.equal({});
  });

  it("sends from the organization's address when it has one, else from MAIL_FROM, marked as automatic", async () => {
    const own = await makeOrg(ctx, { name: "Nuorten Apu", mailFrom: "tietosuoja@nuortenapu.example" });
    const plain = await makeOrg(ctx, { mailSenderName: undefined });
    await queueSome(ctx, own.id, 1, () => "a@example.test");
    await queueSome(ctx, plain.id, 1, () => "b@example.test");
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 2, retried: 0, failed: 0 });
    const byTo = new Map(peer.received.map((m) => [m.to[0], m]));
    expect(byTo.get("a@example.test")!.from).to.equal("tietosuoja@nuortenapu.example");
    expect(byTo.get("a@example.test")!.header("From")).to.equal("Nuorten Apu <tietosuoja@nuortenapu.example>");
    expect(byTo.get("b@example.test")!.from).to.equal("no-reply@rightsdesk.invalid");
    expect(byTo.get("b@example.test")!.header("From")).to.equal("Rightsdesk <no-reply@rightsdesk.invalid>");
    expect(byTo.get("a@example.test")!.header("Auto-Submitted")).to.equal("auto-generated");
  });
});

describe("mail: outbox leases", () => {
  it("a worker whose lease ran out does not send the rest of its batch", async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    let stall = true;
    const slow: MailTransport = {
      kind: "smtp",
      async send(mail) {
        if (stall) {
          stall = false;
          await new Promise<void>((resolve) => (release = resolve));
        }
        sent.push(mail.messageId);
      },
      close: () => undefined,
    };
    const ctx = await freshContext({ mail: slow });
    const org = await makeOrg(ctx);
    await queueSome(ctx, org.id, 5);
    const email = { email: (c: TestContext, row: Parameters<typeof sendOutboxMail>[1]) => sendOutboxMail(c, row, "x@example.test") };

    // Worker A claims all five and hangs on the first.
    const a = deliverDueOutbox(ctx, email as never);
    while (sent.length === 0 && stall) await new Promise((r) => setTimeout(r, 5));
    // Its lease runs out; worker B takes over and delivers everything.
    ctx.clock.advance(LEASE_MS + 1);
    const b = await deliverDueOutbox(ctx, email as never);
    expect(b.sent).to.equal(5);
    release();
    const resultA = await a;
    // A finishes the message it had in flight (the one unavoidable duplicate) but sends no other.
    expect(resultA.sent).to.equal(1);
    expect(sent).to.have.length(6);
    expect(new Set(sent).size).to.equal(5);
    const all = await openedOutbox(ctx, ctx.db.select().from(outbox));
    expect(all.every((r) => r.status === "sent")).to.equal(true);
    expect(all.find((r) => r.messageId === sent[5])?.attempts).to.equal(2);
  });

  it("fails a row whose template no longer exists for good", async () => {
    const ctx = await freshContext();
    const org = await makeOrg(ctx);
    await enqueueOutbox(ctx.db, ctx.keys, { orgId: org.id, kind: "email", recipient: "x@example.test", template: "no_such_template", locale: "en", payload: {} }, ctx.clock.now());
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 0, retried: 0, failed: 1 });
    const [row] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.orgId, org.id)));
    expect(row!.lastError).to.equal("unknown template no_such_template");
  });
});

describe("mail: SMTP over TLS", () => {
  // The peer uses smtp-server's built-in test certificate, which no CA signs: the URL says so.
  const untrusted = "tls.rejectUnauthorized=false";

  async function sendOne(url: string) {
    const transport = createMailTransport({ smtpUrl: url, dataDir: "/nonexistent" });
    const ctx = await freshContext({ mail: transport });
    const org = await makeOrg(ctx);
    await queueSome(ctx, org.id, 1);
    const counts = await deliverOutbox(ctx);
    transport.close();
    return { counts, rows: await rows(ctx) };
  }

  it("delivers over implicit TLS (smtps://)", async () => {
    const peer = new SmtpPeer("implicit");
    await peer.start();
    try {
      const { counts } = await sendOne(`${peer.url}?${untrusted}`);
      expect(counts.sent).to.equal(1);
      expect(peer.received.map((m) => m.secure)).to.deep.equal([true]);
    } finally {
      await peer.stop();
    }
  });

  it("upgrades with STARTTLS, and with requireTLS sends nothing to a server that cannot", async () => {
    const tlsPeer = new SmtpPeer("starttls");
    await tlsPeer.start();
    const plainPeer = new SmtpPeer("none");
    await plainPeer.start();
    try {
      const ok = await sendOne(`${tlsPeer.url}?requireTLS=true&${untrusted}`);
      expect(ok.counts.sent).to.equal(1);
      expect(tlsPeer.received.map((m) => m.secure)).to.deep.equal([true]);

      const refused = await sendOne(`${plainPeer.url}?requireTLS=true`);
      expect(refused.counts).to.deep.equal({ sent: 0, retried: 1, failed: 0 });
      expect(refused.rows[0]!.status).to.equal("pending");
      expect(plainPeer.received).to.have.length(0);
    } finally {
      await tlsPeer.stop();
      await plainPeer.stop();
    }
  });
});

describe("mail: after an outage", () => {
  it("sends the whole backlog as soon as one retried message goes through", async () => {
    const peer = new SmtpPeer();
    await peer.start();
    await peer.stop();
    const transport = createMailTransport({ smtpUrl: peer.url, dataDir: "/nonexistent" });
    const ctx = await freshContext({ mail: transport });
    try {
      const org = await makeOrg(ctx);
      await queueSome(ctx, org.id, 5);
      // Forty minutes of outage: the early mails now back off for many minutes.
      for (let i = 0; i < 8; i++) {
        await deliverOutbox(ctx);
        ctx.clock.advance(5 * MINUTE);
      }
      await queueSome(ctx, org.id, 1, () => "late@example.test");
      expect(await deliverOutbox(ctx)).to.include({ sent: 0 });
      const backingOff = (await rows(ctx)).filter((r) => r.recipient !== "late@example.test");
      const earliest = Math.min(...backingOff.map((r) => r.nextAttemptAt.getTime()));
      expect(earliest - ctx.clock.now().getTime()).to.be.greaterThan(5 * MINUTE);

      await peer.start(peer.port);
      ctx.clock.advance(30_000); // the late mail's first backoff
      expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
      expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 5, retried: 0, failed: 0 });
      expect(new Set(peer.received.map((m) => m.messageId)).size).to.equal(6);
    } finally {
      transport.close();
      await peer.stop();
    }
  });
});
