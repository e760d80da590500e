import net from "node:net";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { buildApp } from "../../src/app.js";
import { createRecipient } from "../../src/fulfilment/webhooks.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { outbox, recipients } from "../../src/db/schema/index.js";
import { addRecipient, updateRecipient } from "../../src/fulfilment/recipients.js";
import { outboxDeliverers } from "../../src/jobs.js";
import { ValidationError } from "../../src/platform/errors.js";
import { guardedLookup, isAllowedAddress, targetProblem, type OutboundPolicy } from "../../src/platform/outbound.js";
import { deliverDueOutbox, enqueueOutbox } from "../../src/platform/outbox.js";
import { freshContext, type TestContext } from "../support/context.js";
import { actorOf, postForm, staffAgent, world, type World } from "../fulfilment/helpers.js";
import { openedOutbox } from "../support/outbox.js";

const production: OutboundPolicy = { httpsOnly: true, allowLoopback: false };
const development: OutboundPolicy = { httpsOnly: false, allowLoopback: false };
const testing: OutboundPolicy = { httpsOnly: false, allowLoopback: true };

/** Every spelling of an address the portal must never call (its own machine and networks). */
const forbidden = [
  "https://127.0.0.1/h", "https://127.9.9.9/h", "https://2130706433/h", "https://0x7f.1/h", "https://localhost/h", "https://api.localhost/h", "https://LOCALHOST./h",
  "https://[::1]/h", "https://[::ffff:127.0.0.1]/h", "https://[::ffff:a9fe:a9fe]/h",
  "https://10.0.0.1/h", "https://172.16.5.5/h", "https://192.168.1.10/h", "https://100.64.0.1/h",
  "https://169.254.169.254/latest/meta-data", "https://[fe80::1]/h", "https://[fd00::1]/h", "https://[fc00::5]/h",
  "https://0.0.0.0/h", "https://[::]/h", "https://224.0.0.1/h", "https://[ff02::1]/h", "https://255.255.255.255/h",
  "https://[64:ff9b::a00:1]/h", "https://[2002:a00:1::]/h",
];

describe("outbound requests: https in production, public addresses only", () => {
  it("refuses loopback, private, link-local, unique-local, CGNAT, multicast and unspecified targets in every spelling", () => {
    for (const url of forbidden) {
      expect(targetProblem(url, production), url).to.equal("address_not_allowed");
      expect(targetProblem(url.replace("https:", "http:"), development), url).to.equal("address_not_allowed");
    }
    for (const url of ["https://hooks.example.com/rightsdesk", "https://93.184.216.34/h", "https://[2606:4700::1111]/h"]) expect(targetProblem(url, production), url).to.equal(undefined);
  });

  it("takes only https:// in production; http:// only outside it; loopback only with the test setting", () => {
    expect(targetProblem("http://hooks.example.com/x", production)).to.equal("https_required");
    expect(targetProblem("ftp://hooks.example.com/x", development)).to.equal("https_required");
    expect(targetProblem("http://hooks.example.com/x", development)).to.equal(undefined);
    expect(targetProblem("http://127.0.0.1:8080/x", testing)).to.equal(undefined);
    expect(targetProblem("http://localhost:8080/x", testing)).to.equal(undefined);
    // Even the test setting opens loopback only, never the private networks.
    for (const url of ["http://10.0.0.1/x", "http://169.254.169.254/x", "http://[fd00::1]/x"]) expect(targetProblem(url, testing), url).to.equal("address_not_allowed");
    expect(isAllowedAddress("::ffff:10.0.0.1", testing)).to.equal(false);
    expect(isAllowedAddress("::ffff:127.0.0.1", testing)).to.equal(true);
  });

  it("refuses WEBHOOK_ALLOW_LOOPBACK in production at start-up", () => {
    expect(() => loadConfig({ NODE_ENV: "production", WEBHOOK_ALLOW_LOOPBACK: "1" })).to.throw(ConfigError, /WEBHOOK_ALLOW_LOOPBACK: must be 0 in production/);
    expect(loadConfig({ NODE_ENV: "production" }).WEBHOOK_ALLOW_LOOPBACK).to.equal(false);
    expect(loadConfig({ WEBHOOK_ALLOW_LOOPBACK: "1" }).WEBHOOK_ALLOW_LOOPBACK).to.equal(true);
  });

  it("checks a name after DNS resolution: a name that resolves to loopback is refused", async () => {
    const lookup = (policy: OutboundPolicy) => new Promise<{ err: NodeJS.ErrnoException | null; addresses: unknown }>((resolve) =>
      guardedLookup(policy)("localhost", { all: true }, (err, addresses) => resolve({ err, addresses })));
    const refused = await lookup(production);
    expect(refused.err?.code).to.equal("EADDRNOTALLOWED");
    const allowed = await lookup(testing);
    expect(allowed.err).to.equal(null);
    expect((allowed.addresses as { address: string }[]).map((a) => a.address)).to.include("127.0.0.1");
  });

  describe("at save and at send", function () {
    this.timeout(60_000);
    let ctx: TestContext;
    let w: World;
    beforeEach(async () => {
      ctx = await freshContext();
      w = await world(ctx);
    });
    const inProduction = (c: TestContext) => ({ ...c, config: { ...c.config, production: true, NODE_ENV: "production" as const, WEBHOOK_ALLOW_LOOPBACK: false } });

    it("refuses a plain-http or private webhook address when an admin saves it in production", async () => {
      const prod = inProduction(ctx);
      const admin = actorOf(w.admin);
      const fieldError = async (run: Promise<unknown>) => ((await run.then(() => undefined, (e: unknown) => e)) as ValidationError | undefined)?.fieldErrors?.webhookUrl;
      expect(await fieldError(addRecipient(prod, admin, { name: "Vendor", webhookUrl: "http://hooks.example.com/x" }))).to.equal("fulfilment.webhooks.httpsRequired");
      expect(await fieldError(addRecipient(prod, admin, { name: "Vendor", webhookUrl: "https://169.254.169.254/latest" }))).to.equal("fulfilment.webhooks.addressNotAllowed");
      expect(await fieldError(updateRecipient(prod, admin, w.recipient.id, { name: "Vendor", webhookUrl: "https://[::ffff:192.168.0.1]/x" }))).to.equal("fulfilment.webhooks.addressNotAllowed");
      const ok = await addRecipient(prod, admin, { name: "Vendor", webhookUrl: "https://hooks.example.com/x" });
      expect(ok.secret).to.match(/^whsec_/);
      const names = (await ctx.db.select().from(recipients)).map((r) => r.name);
      expect(names.filter((n) => n === "Vendor")).to.have.length(1);
    });

    it("shows the refusal next to the field on the admin form, in the admin's language", async () => {
      const app = buildApp(ctx);
      const admin = await staffAgent(ctx, app, w, w.admin.id);
      const res = await postForm(admin, "/staff/recipients?lang=fi", { name: "Vendor", webhookUrl: "http://10.1.2.3/hook" }, "/staff/recipients?lang=fi");
      expect(res.status).to.equal(422);
      expect(res.text).to.include("paikalliseen tai yksityiseen verkkoon");
      expect(await ctx.db.select().from(recipients).where(eq(recipients.name, "Vendor"))).to.have.length(0);
    });

    it("refuses at send time, without connecting, a stored address that is not allowed (saved before the rule, or by hand)", async () => {
      // A TCP listener on loopback counts connection attempts.
      let connections = 0;
      const server = net.createServer((s) => { connections += 1; s.destroy(); });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        const prod = inProduction(ctx);
        const { recipient } = await ctx.db.transaction((tx) => createRecipient(ctx, tx, { orgId: w.org.id, name: "Old hook", webhookUrl: `http://127.0.0.1:${port}/h` }));
        for (const url of [`https://localhost:${port}/h`, `https://127.0.0.1:${port}/h`, `https://[::ffff:127.0.0.1]:${port}/h`]) {
          await ctx.db.update(recipients).set({ webhookUrl: url }).where(eq(recipients.id, recipient.id));
          await ctx.db.delete(outbox);
          await ctx.db.transaction((tx) => enqueueOutbox(tx, ctx.keys, { orgId: w.org.id, kind: "webhook", recipient: recipient.id, template: "erasure", locale: "en", payload: { event: "erasure", data: {} }, dedupeKey: `t:${url}` }, ctx.clock.now()));
          expect(await deliverDueOutbox(prod, outboxDeliverers()), url).to.deep.equal({ sent: 0, retried: 0, failed: 1 });
          const [row] = await openedOutbox(ctx, ctx.db.select().from(outbox));
          expect(row!.lastError, url).to.equal("webhook address not allowed");
        }
        expect(connections).to.equal(0);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
