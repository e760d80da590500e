/**
 * A database outage, for real: the portal runs as a child process on a PostgreSQL server of this
 * test's own, under light load (page, health and API requests; mail and jobs queued), and the
 * server is stopped (`pg_ctl stop -m fast`) and started again.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { inArray, like } from "drizzle-orm";
import { openPostgres, type Database } from "../../src/db/client.js";
import { jobs, outbox } from "../../src/db/schema/index.js";
import { enqueueJob } from "../../src/platform/jobs.js";
import { queueMail } from "../../src/mail/queue-mail.js";
import { SCRUB_NOTICES_JOB } from "../../src/fulfilment/jobs.js";
import { translator } from "../../src/platform/i18n.js";
import { contextOn, TEST_MASTER_KEY, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { exited, spawnTs, waitFor } from "../support/child.js";
import { TempCluster, freePort } from "../support/temp-cluster.js";
import { SmtpPeer } from "../mail/helpers.js";

interface Seen {
  at: number;
  name: string;
  status: number;
  type: string;
  body: string;
}

describe("a database outage is survived", function () {
  this.timeout(180_000);
  let cluster: TempCluster | undefined;
  let database: Database | undefined;
  let peer: SmtpPeer | undefined;
  let portal: ReturnType<typeof spawnTs> | undefined;
  let tmp: string;

  before(async function () {
    // Runs with the PostgreSQL suite; a PGlite database cannot go away.
    if (!process.env.TEST_DATABASE_URL) this.skip();
    cluster = await TempCluster.create();
    if (!cluster) {
      console.log("    (pending: no PostgreSQL server binaries under /usr/lib/postgresql to start a cluster of the test's own)");
      this.skip();
    }
  });

  after(async () => {
    if (portal && portal.exitCode === null) {
      portal.kill("SIGKILL");
      await exited(portal);
    }
    await peer?.stop();
    await database?.close().catch(() => undefined);
    cluster?.remove();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the portal stays up, answers 503 (localized) while the database is away, and loses nothing queued", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-outage-"));
    database = await openPostgres(cluster!.url, 2);
    await database.migrate();
    const ctx: TestContext = contextOn(database, tmp);
    ctx.clock.set(new Date());
    const org = await makeOrg(ctx, { defaultLocale: "fi" });

    peer = new SmtpPeer();
    await peer.start();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    portal = spawnTs("src/main.ts", {
      DATABASE_URL: cluster!.url, PORT: String(port), BASE_URL: base, SMTP_URL: peer.url, MASTER_KEY: TEST_MASTER_KEY,
      DATA_DIR: tmp, NODE_ENV: "test", JOBS: "on", SEED_DEMO: "never", TRUST_PROXY: "1", LOG_LEVEL: "info",
    });
    const p = portal;
    const seen: Seen[] = [];
    let n = 0;
    const ask = async (name: string, url: string, init: RequestInit = {}) => {
      n += 1;
      // A different client address per request keeps the rate limits out of the way.
      const headers = { "accept-language": "fi", "x-forwarded-for": `198.51.100.${n % 250}`, ...(init.headers as Record<string, string>) };
      try {
        const res = await fetch(`${base}${url}`, { ...init, headers, signal: AbortSignal.timeout(8_000) });
        seen.push({ at: Date.now(), name, status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() });
      } catch {
        seen.push({ at: Date.now(), name, status: 0, type: "", body: "" });
      }
    };
    const round = () =>
      Promise.all([
        ask("healthz", "/healthz"),
        ask("readyz", "/readyz"),
        ask("page", "/verify?code=V-AAAA-BBBB"),
        ask("api", "/api/v1/subjects/x", { method: "PUT", headers: { authorization: `Bearer rdk_${"A".repeat(43)}`, "content-type": "application/json" }, body: "{}" }),
      ]);
    const latest = (name: string) => [...seen].reverse().find((s) => s.name === name);
    await waitFor("the portal to answer", async () => (await round(), latest("healthz")?.status === 200 || p.exitCode !== null), 60_000, 250);
    expect(p.exitCode, p.output.join("")).to.equal(null);

    // Light load for the rest of the test: a round of four requests every 250 ms.
    let loading = true;
    const load = (async () => {
      while (loading) await Promise.all([round(), sleep(250)]);
    })();

    const queued: string[] = [];
    const queueSome = async (count: number) => {
      await ctx.db.transaction(async (tx) => {
        for (let i = 0; i < count; i++) {
          const k = queued.length;
          queued.push(`RD-OUT-${k}`);
          await queueMail(tx, ctx, {
            orgId: org.id, to: `person${k}@example.test`, template: "message_waiting", locale: "fi",
            data: { reference: `RD-OUT-${k}`, requestUrl: `${base}/requests/RD-OUT-${k}`, orgName: "Helpline" },
          });
        }
      });
    };
    for (let i = 0; i < 5; i++) await enqueueJob(ctx.db, SCRUB_NOTICES_JOB, {}, { uniqueKey: `outage-test:${i}` });
    await queueSome(5);
    await waitFor("the first mails to arrive", () => peer!.received.length === 5, 20_000);
    // A slow relay: the next batch is still being delivered when the server goes away.
    peer.acceptDelayMs = 250;
    await queueSome(15);
    await waitFor("the next batch to be under way", () => peer!.received.length >= 8, 20_000, 20);

    cluster!.stop();
    const downAt = Date.now();
    await waitFor("/healthz to report the database down", () => latest("healthz")?.status === 503, 15_000);
    await sleep(4_000);
    const during = seen.filter((s) => s.at > downAt + 2_000);
    const t = translator("fi");
    for (const name of ["healthz", "readyz", "page", "api"]) {
      const answers = during.filter((s) => s.name === name);
      expect(answers.length, `${name} answered during the outage`).to.be.greaterThan(3);
      expect([...new Set(answers.map((s) => s.status))], name).to.deep.equal([503]);
    }
    const page = during.find((s) => s.name === "page")!;
    expect(page.type).to.match(/^text\/html/);
    expect(page.body).to.include(t("platform.errors.unavailable.title"));
    expect(page.body).not.to.match(/at .*\.ts:\d+|DrizzleQueryError|ECONNREFUSED/);
    const problem = during.find((s) => s.name === "api")!;
    expect(problem.type).to.match(/^application\/problem\+json/);
    expect(JSON.parse(problem.body)).to.include({ status: 503, title: t("platform.errors.unavailable.title") });
    expect(p.exitCode, "the portal is still running").to.equal(null);

    cluster!.start();
    const upAt = Date.now();
    await waitFor("/healthz and /readyz to answer 200 again", () => latest("healthz")?.status === 200 && latest("readyz")?.status === 200, 30_000);
    await waitFor("pages and the API to answer again", () => latest("page")?.status === 200 && latest("api")?.status === 401, 15_000);
    await queueSome(10);
    peer.acceptDelayMs = 0;

    await waitFor("every queued mail to arrive", () => peer!.received.length >= queued.length, 60_000, 250);
    await sleep(3_000); // a duplicate would arrive now
    loading = false;
    await load;

    const references = peer.received.map((m) => /RD-OUT-\d+/.exec(m.raw)?.[0]);
    expect([...references].sort()).to.deep.equal([...queued].sort(), "each queued mail arrived exactly once");
    const rows = await ctx.db.select().from(outbox);
    expect(rows.map((r) => r.status)).to.deep.equal(rows.map(() => "sent"));
    expect(new Set(peer.received.map((m) => m.messageId)).size).to.equal(queued.length);
    await waitFor("the queued jobs to run", async () => {
      const done = await ctx.db.select().from(jobs).where(like(jobs.uniqueKey, "outage-test:%"));
      return done.length === 5 && done.every((j) => j.status === "done");
    }, 30_000, 250);
    expect(await ctx.db.select().from(jobs).where(inArray(jobs.status, ["failed"]))).to.deep.equal([]);

    const log = p.output.join("");
    expect(log).not.to.include("Unhandled 'error' event");
    expect(log).to.include("database connection lost");
    expect(log).to.include("database unavailable; paused");
    expect(log).to.include("resumed");
    expect(log, "a delivery under way waited for the database to record it").to.include("database unavailable; waiting to record");
    expect(log).to.include("recorded once the database was back");
    console.log(`      (down for ${Math.round((upAt - downAt) / 1000)} s; ${seen.length} requests; ${queued.length} mails)`);

    p.kill("SIGTERM");
    expect(await exited(p), log).to.equal(0);
  });
});
