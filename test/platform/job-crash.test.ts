/**
 * The job runner under faults, with real processes: one killed with SIGKILL in the middle of a job,
 * on the PostgreSQL server and on a persisted PGlite DATA_DIR; and two instances sharing a job that
 * runs longer than its lease.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { systemClock } from "../../src/context.js";
import { openPglite, openPostgres } from "../../src/db/client.js";
import { jobs } from "../../src/db/schema/index.js";
import { JobRunner, enqueueJob } from "../../src/platform/jobs.js";
import { freshContext } from "../support/context.js";
import { exited, spawnTs, waitFor } from "../support/child.js";
import { CRASH_JOB, crashJobDefinition, crashLog } from "../support/crash-job.js";

const worker = path.resolve("test/support/job-worker.ts");
const RETRY_WITHIN_MS = 60_000;

describe("job runner: a process killed in the middle of a job", function () {
  this.timeout(150_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-crash-"));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const masterKey = crypto.randomBytes(32).toString("base64");

  /** Starts a worker, waits until its job has started, kills it with SIGKILL: when it died. */
  async function killMidJob(env: Record<string, string>, log: string): Promise<number> {
    const a = spawnTs(worker, { ...env, MASTER_KEY: masterKey, WORKER_MODE: "block", WORKER_LOG: log });
    try {
      await waitFor("the first worker to start the job", () => crashLog(log).starts.length === 1 || a.exitCode !== null, 60_000);
      expect(a.exitCode, a.output.join("")).to.equal(null);
    } finally {
      a.kill("SIGKILL");
    }
    expect(await exited(a)).to.equal("SIGKILL");
    return Date.now();
  }

  it("on the PostgreSQL server: another instance retries it within 60 s and completes it once", async function () {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) this.skip();
    const ctx = await freshContext();
    const log = path.join(tmp, "runs.log");
    await enqueueJob(ctx.db, CRASH_JOB, {}, { uniqueKey: "crash-test" });
    const killedAt = await killMidJob({ DATABASE_URL: url, DATA_DIR: tmp }, log);

    // The survivor: another instance with the default lease, on its own connection pool.
    const database = await openPostgres(url, 2);
    const b = new JobRunner({ ...ctx, db: database.db, clock: systemClock, instanceId: "survivor" }, [crashJobDefinition(log, "finish")], { pollMs: 200 });
    b.start();
    try {
      await waitFor("the survivor to complete the job", () => crashLog(log).dones.length > 0, RETRY_WITHIN_MS);
      const retriedAfterMs = Date.now() - killedAt;
      await sleep(500); // nothing runs it a third time
      expect(retriedAfterMs).to.be.below(RETRY_WITHIN_MS);
    } finally {
      await b.stop();
      await database.close();
    }
    const { starts, dones } = crashLog(log);
    expect(starts).to.have.length(2);
    expect(dones).to.deep.equal([`done ${process.pid}`]);
    const [row] = await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, "crash-test"));
    expect(row!.status).to.equal("done");
    expect(row!.attempts).to.equal(2);
  });

  it("on a persisted PGlite DATA_DIR: the next process to open it retries the job within 60 s and completes it once", async () => {
    const log = path.join(tmp, "runs.log");
    const dataDir = path.join(tmp, "data");
    const killedAt = await killMidJob({ DATA_DIR: dataDir, WORKER_ENQUEUE: "1", DATABASE_URL: "" }, log);

    const b = spawnTs(worker, { DATA_DIR: dataDir, WORKER_ENQUEUE: "1", DATABASE_URL: "", MASTER_KEY: masterKey, WORKER_MODE: "finish", WORKER_LOG: log });
    try {
      await waitFor("the next process to complete the job", () => crashLog(log).dones.length > 0 || b.exitCode !== null, RETRY_WITHIN_MS);
      expect(b.exitCode, b.output.join("")).to.equal(null);
      expect(Date.now() - killedAt).to.be.below(RETRY_WITHIN_MS);
      await sleep(500);
    } finally {
      b.kill("SIGTERM");
    }
    expect(await exited(b), b.output.join("")).to.equal(0);
    const { starts, dones } = crashLog(log);
    expect(starts).to.have.length(2);
    expect(dones).to.deep.equal([`done ${b.pid}`]);

    const database = await openPglite(path.join(dataDir, "pglite"));
    try {
      const rows = await database.db.select().from(jobs).where(eq(jobs.name, CRASH_JOB));
      expect(rows).to.have.length(1);
      expect(rows[0]!.status).to.equal("done");
      expect(rows[0]!.attempts).to.equal(2);
    } finally {
      await database.close();
    }
  });
});

describe("job runner: two instances and a job that runs longer than its lease", function () {
  this.timeout(60_000);

  it("runs it once: the heartbeat keeps the lease, the other instance never takes it", async function () {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) this.skip();
    const ctx = await freshContext();
    const leaseMs = 1_500;
    let runs = 0;
    const runsBy: string[] = [];
    const definition = (who: string) => ({
      name: "test.long",
      handler: async () => {
        runs += 1;
        runsBy.push(who);
        await sleep(leaseMs * 4);
      },
    });
    const pools = [await openPostgres(url, 2), await openPostgres(url, 2)];
    const runners = ["a", "b"].map(
      (who, i) => new JobRunner({ ...ctx, db: pools[i]!.db, clock: systemClock, instanceId: who }, [definition(who)], { pollMs: 100, leaseMs }),
    );
    await enqueueJob(ctx.db, "test.long", {}, { runAt: new Date() });
    for (const r of runners) r.start();
    try {
      await waitFor("the job to finish", async () => (await ctx.db.select().from(jobs))[0]?.status === "done", 30_000);
      await sleep(leaseMs * 2); // a late second claim would show now
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
      await Promise.all(pools.map((p) => p.close()));
    }
    expect(runs, `ran by ${runsBy.join(", ")}`).to.equal(1);
    const [row] = await ctx.db.select().from(jobs);
    expect(row!.status).to.equal("done");
    expect(row!.attempts).to.equal(1);
    expect(row!.lockedBy).to.equal(runsBy[0]);
  });
});
