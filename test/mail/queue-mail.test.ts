import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { outbox } from "../../src/db/schema/index.js";
import { queueMail } from "../../src/mail/queue-mail.js";
import { smtpOptions } from "../../src/platform/mail-transport.js";
import { classifySmtpError } from "../../src/mail/send-outbox-mail.js";
import { ChannelUnavailableError, PermanentDeliveryError } from "../../src/platform/outbox.js";
import { listMailbox } from "../../src/platform/mail-transport.js";
import { deliverOutbox } from "../../src/jobs.js";
import { openedOutbox } from "../support/outbox.js";

describe("mail: queueMail", () => {
  let ctx: TestContext;
  let orgId: string;
  beforeEach(async () => {
    ctx = await freshContext();
    orgId = (await makeOrg(ctx)).id;
  });

  const data = () => ({ reference: "RD-AAAA-BBBB", dueDate: "2026-04-02", requestUrl: "http://localhost:3000/requests/RD-AAAA-BBBB", orgName: "Helpline" });

  it("queues a typed mail in the caller's transaction, once per dedupe key", async () => {
    const first = await ctx.db.transaction((tx) =>
      queueMail(tx, ctx, { orgId, to: " Person@Example.test ", template: "request_received", locale: "sv", data: data(), dedupeKey: "request_received:1" }),
    );
    const again = await queueMail(ctx.db, ctx, { orgId, to: "person@example.test", template: "request_received", locale: "sv", data: data(), dedupeKey: "request_received:1" });
    expect([first, again]).to.deep.equal([true, false]);
    const rows = await openedOutbox(ctx, ctx.db.select().from(outbox));
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ kind: "email", recipient: "Person@Example.test", template: "request_received", locale: "sv", status: "pending", orgId });
    expect(rows[0]!.payload).to.deep.equal(data());
    expect(rows[0]!.messageId).to.match(/^<[0-9a-f-]{36}@rightsdesk>$/);
    expect(rows[0]!.createdAt.toISOString()).to.equal(ctx.clock.now().toISOString());
  });

  it("is not queued when the transaction rolls back", async () => {
    await ctx.db
      .transaction(async (tx) => {
        await queueMail(tx, ctx, { orgId, to: "p@example.test", template: "request_received", locale: "en", data: data() });
        throw new Error("rollback");
      })
      .catch(() => undefined);
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox))).to.have.length(0);
  });

  it("falls back to English for a language the portal does not offer", async () => {
    await queueMail(ctx.db, ctx, { orgId, to: "p@example.test", template: "request_received", locale: "de", data: data() });
    expect((await openedOutbox(ctx, ctx.db.select().from(outbox)))[0]!.locale).to.equal("en");
  });

  it("refuses data that could carry chat content or someone else's address", async () => {
    const bad: [string, Record<string, unknown>][] = [
      ["long text", { ...data(), orgName: "x".repeat(301) }],
      ["an address", { ...data(), orgName: "ask mum@example.test" }],
      ["an object", { ...data(), orgName: { text: "hello" } }],
    ];
    for (const [what, payload] of bad) {
      let error: unknown;
      try {
        await queueMail(ctx.db, ctx, { orgId, to: "p@example.test", template: "request_received", locale: "en", data: payload as never });
      } catch (err) {
        error = err;
      }
      expect(error, what).to.be.instanceOf(TypeError);
    }
    for (const to of ["not an address", "a@b.test, c@d.test", "Name <a@b.test>"]) {
      let error: unknown;
      try {
        await queueMail(ctx.db, ctx, { orgId, to, template: "request_received", locale: "en", data: data() });
      } catch (err) {
        error = err;
      }
      expect(error, to).to.be.instanceOf(TypeError);
    }
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox))).to.have.length(0);
  });

  it("delivers to the file mailbox when no SMTP_URL is set", async () => {
    await queueMail(ctx.db, ctx, { orgId, to: "p@example.test", template: "request_received", locale: "fi", data: data() });
    expect(await deliverOutbox(ctx)).to.deep.equal({ sent: 1, retried: 0, failed: 0 });
    const [entry] = listMailbox(ctx.config.dataDir);
    expect(entry).to.include({ to: "p@example.test", subject: "Saimme pyyntösi RD-AAAA-BBBB" });
  });
});

describe("mail: SMTP settings and errors", () => {
  it("requires STARTTLS for smtp:// to another host, TLS from the start for smtps://, plain only on loopback", () => {
    expect(smtpOptions("smtp://user:pw@mail.example.net:587")).to.include({ requireTLS: true });
    expect(smtpOptions("smtps://user:pw@mail.example.net:465")).to.include({ requireTLS: false });
    expect(smtpOptions("smtp://127.0.0.1:2525")).to.include({ requireTLS: false });
    expect(smtpOptions("smtp://localhost:25")).to.include({ requireTLS: false });
    const opts = smtpOptions("smtp://mail.example.net:587");
    expect(opts.socketTimeout as number).to.be.at.most(60_000);
    expect(opts.connectionTimeout as number).to.be.at.most(30_000);
    expect(opts.tls).to.deep.equal({ minVersion: "TLSv1.2" });
  });

  it("sorts SMTP errors into permanent, channel down and temporary", () => {
    const err = (props: Record<string, unknown>) => Object.assign(new Error("x <someone@example.test>"), props);
    expect(classifySmtpError(err({ code: "EENVELOPE", responseCode: 550, command: "RCPT TO", response: "550 5.1.1 unknown" }))).to.be.instanceOf(PermanentDeliveryError);
    expect(classifySmtpError(err({ code: "EMESSAGE", responseCode: 554, command: "DATA" }))).to.be.instanceOf(PermanentDeliveryError);
    expect(classifySmtpError(err({ code: "EENVELOPE", command: "API" }))).to.be.instanceOf(PermanentDeliveryError);
    expect(classifySmtpError(err({ code: "ESOCKET", originalCode: "ECONNREFUSED", command: "CONN" }))).to.be.instanceOf(ChannelUnavailableError);
    expect(classifySmtpError(err({ code: "EAUTH", responseCode: 535, command: "AUTH PLAIN" }))).to.be.instanceOf(ChannelUnavailableError);
    expect(classifySmtpError(err({ code: "ETIMEDOUT", command: "CONN" }))).to.be.instanceOf(ChannelUnavailableError);
    const deferred = classifySmtpError(err({ code: "EENVELOPE", responseCode: 450, command: "RCPT TO" }));
    expect(deferred).not.to.be.instanceOf(PermanentDeliveryError);
    expect(deferred).not.to.be.instanceOf(ChannelUnavailableError);
    const sender = classifySmtpError(err({ code: "EENVELOPE", responseCode: 553, command: "MAIL FROM" }));
    expect(sender).not.to.be.instanceOf(PermanentDeliveryError);
    expect(classifySmtpError(err({ code: "EENVELOPE", responseCode: 550, command: "RCPT TO" })).message).not.to.include("@");
  });
});
