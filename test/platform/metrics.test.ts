import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { insertRequest } from "../mail/helpers.js";
import { buildApp } from "../../src/app.js";
import { loadConfig, ConfigError } from "../../src/config.js";
import { enqueueJob } from "../../src/platform/jobs.js";
import { enqueueOutbox } from "../../src/platform/outbox.js";
import { translator } from "../../src/platform/i18n.js";

const TOKEN = "m".repeat(20) + "0123456789abcdef";

/** The portal on a real port; `get` fetches a path over HTTP. */
async function listen(ctx: TestContext): Promise<{ get(path: string, headers?: Record<string, string>): Promise<Response>; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = buildApp(ctx).listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get: (path, headers = {}) => fetch(`${base}${path}`, { headers, redirect: "manual" }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The value of one series of a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? "").split(",").filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

describe("platform: Prometheus metrics at /metrics", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  beforeEach(async () => {
    ctx = await freshContext({ config: { METRICS_TOKEN: TOKEN } });
    org = await makeOrg(ctx);
  });

  it("is a 404 when METRICS_TOKEN is unset", async () => {
    ctx.config.METRICS_TOKEN = undefined;
    const portal = await listen(ctx);
    try {
      const res = await portal.get("/metrics", { Authorization: `Bearer ${TOKEN}`, Host: `${org.slug}.test` });
      expect(res.status).to.equal(404);
      expect(await res.text()).not.to.include("rightsdesk_");
    } finally {
      await portal.close();
    }
  });

  it("answers only the right bearer token, with a localized 401 otherwise", async () => {
    const portal = await listen(ctx);
    try {
      for (const authorization of [undefined, "Bearer wrong-token", `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
        const res = await portal.get("/metrics", { ...(authorization ? { Authorization: authorization } : {}), "Accept-Language": "fi" });
        expect(res.status, String(authorization)).to.equal(401);
        expect(res.headers.get("www-authenticate")).to.equal('Bearer realm="metrics"');
        const body = (await res.json()) as { title: string };
        expect(body.title).to.equal(translator("fi")("platform.errors.unauthenticated.title"));
      }
      const ok = await portal.get("/metrics", { Authorization: `Bearer ${TOKEN}` });
      expect(ok.status).to.equal(200);
      expect(ok.headers.get("content-type")).to.include("text/plain");
      const text = await ok.text();
      expect(sample(text, "process_resident_memory_bytes")).to.be.greaterThan(0);
      expect(sample(text, "rightsdesk_database_up")).to.equal(1);
    } finally {
      await portal.close();
    }
  });

  it("moves with the job queue, the outbox, overdue requests and the pages served", async () => {
    const portal = await listen(ctx);
    const scrape = async () => (await portal.get("/metrics", { Authorization: `Bearer ${TOKEN}` })).text();
    try {
      const before = await scrape();
      expect(sample(before, "rightsdesk_job_queue_depth", { name: "metrics-probe" })).to.equal(undefined);
      expect(sample(before, "rightsdesk_requests_overdue", { org: org.slug })).to.equal(0);

      const now = ctx.clock.now();
      await enqueueJob(ctx.db, "metrics-probe", {}, { runAt: new Date(now.getTime() - 90_000) });
      await enqueueJob(ctx.db, "metrics-probe", {}, { runAt: new Date(now.getTime() - 30_000) });
      await enqueueJob(ctx.db, "metrics-probe", {}, { runAt: new Date(now.getTime() + 3_600_000) }); // not due yet
      await enqueueOutbox(ctx.db, ctx.keys, { orgId: org.id, kind: "email", recipient: "someone@example.test", template: "staff_digest", locale: "en", payload: {} }, new Date(now.getTime() - 120_000));
      const overdue = await insertRequest(ctx, org.id, { effectiveDueDate: "2026-02-20", dueDate: "2026-02-20" });
      await insertRequest(ctx, org.id, { effectiveDueDate: "2026-04-01", dueDate: "2026-04-01" });
      await insertRequest(ctx, org.id, { effectiveDueDate: "2026-02-10", dueDate: "2026-02-10", status: "completed" });
      const home = await portal.get("/", { Host: `${org.slug}.test` });
      expect(home.status).to.equal(200);
      expect((await portal.get(`/requests/${overdue.reference}`, { Host: `${org.slug}.test` })).status).to.be.oneOf([302, 303]);
      expect((await portal.get(`/no-such-page/${overdue.reference}`, { Host: `${org.slug}.test` })).status).to.equal(404);
      expect((await portal.get(`/dev/mail/${overdue.reference}.eml`, { Host: `${org.slug}.test` })).status).to.equal(404);

      const after = await scrape();
      expect(sample(after, "rightsdesk_job_queue_depth", { name: "metrics-probe" })).to.equal(2);
      expect(sample(after, "rightsdesk_job_queue_oldest_age_seconds", { name: "metrics-probe" })).to.equal(90);
      expect(sample(after, "rightsdesk_outbox_backlog", { kind: "email" })).to.equal(1);
      expect(sample(after, "rightsdesk_outbox_oldest_age_seconds", { kind: "email" })).to.equal(120);
      expect(sample(after, "rightsdesk_outbox_failed", { kind: "email" })).to.equal(0);
      expect(sample(after, "rightsdesk_requests_overdue", { org: org.slug })).to.equal(1);
      expect(sample(after, "rightsdesk_http_request_duration_seconds_count", { method: "GET", route: "/", status: "200" })).to.equal(1);
      expect(sample(after, "rightsdesk_http_request_duration_seconds_count", { method: "GET", route: "unmatched", status: "404" })).to.equal(1);
      // Route patterns only: no reference (or any other part of a URL) becomes a label.
      expect(after).not.to.include(overdue.reference);
      expect(sample(after, "rightsdesk_http_request_duration_seconds_count", { method: "GET", route: "/dev/mail/:file", status: "404" })).to.equal(1);
    } finally {
      await portal.close();
    }
  });

  it("refuses a short or spaced METRICS_TOKEN at start-up", () => {
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).to.throw(ConfigError, /METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_TOKEN: `${"a".repeat(20)} ${"b".repeat(20)}` })).to.throw(ConfigError, /METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).METRICS_TOKEN).to.equal(TOKEN);
  });
});
