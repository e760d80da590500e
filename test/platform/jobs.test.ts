import crypto from "node:crypto";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { z } from "zod";
import { JobRunner, enqueueJob, job, type JobRunnerOptions } from "../../src/platform/jobs.js";
import { jobs } from "../../src/db/schema/index.js";

/** Waits until `check` holds (or 5 s pass): a fixed sleep is too short on a loaded machine. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

describe("job runner", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("runs due jobs once, retries failures with backoff, and gives up after maxAttempts", async () => {
    const seen: string[] = [];
    let failuresLeft = 1;
    const runner = new JobRunner(ctx, [
      { name: "ok", handler: async (_c, p) => void seen.push(String(p.n)) },
      { name: "flaky", handler: async () => { if (failuresLeft-- > 0) throw new Error("transient"); seen.push("flaky-done"); } },
      { name: "broken", handler: async () => { throw new Error("always"); } },
    ]);
    await enqueueJob(ctx.db, "ok", { n: 1 }, { runAt: ctx.clock.now() });
    await enqueueJob(ctx.db, "ok", { n: 1 }, { runAt: ctx.clock.now(), uniqueKey: "same" });
    await enqueueJob(ctx.db, "ok", { n: 2 }, { runAt: ctx.clock.now(), uniqueKey: "same" });
    await enqueueJob(ctx.db, "flaky", {}, { runAt: ctx.clock.now() });
    await enqueueJob(ctx.db, "broken", {}, { runAt: ctx.clock.now(), maxAttempts: 2 });
    await runner.drain();
    expect(seen).to.deep.equal(["1", "1"]);
    ctx.clock.advance(10 * 60_000);
    await runner.drain();
    expect(seen).to.include("flaky-done");
    ctx.clock.advance(60 * 60_000);
    await runner.drain();
    const [broken] = await ctx.db.select().from(jobs).where(eq(jobs.name, "broken"));
    expect(broken!.status).to.equal("failed");
    expect(broken!.attempts).to.equal(2);
    expect(broken!.lastError).to.equal("always");
  });

  it("hands a job its payload parsed by the job's own schema, and fails a malformed one at once without running it", async () => {
    const seen: string[] = [];
    const runner = new JobRunner(ctx, [
      job({ name: "typed", payload: z.object({ exportId: z.uuid() }), handler: async (_c, p) => void seen.push(p.exportId) }),
    ]);
    const id = crypto.randomUUID();
    await enqueueJob(ctx.db, "typed", { exportId: id }, { runAt: ctx.clock.now() });
    await enqueueJob(ctx.db, "typed", { exportId: "not-a-uuid" }, { runAt: ctx.clock.now(), maxAttempts: 5 });
    await runner.drain();
    expect(seen).to.deep.equal([id]);
    const [bad] = await ctx.db.select().from(jobs).where(eq(jobs.status, "failed"));
    expect(bad!.attempts, "no retry can mend a malformed payload").to.equal(1);
    expect(bad!.lastError).to.equal("invalid payload for job typed");
  });

  it("reclaims a job whose worker died (lease expired), and never runs a leased job twice", async () => {
    let runs = 0;
    const def = [{ name: "work", handler: async () => void (runs += 1) }];
    await enqueueJob(ctx.db, "work", {}, { runAt: ctx.clock.now() });
    // Simulate a crashed instance holding the lease.
    await ctx.db.update(jobs).set({ status: "running", lockedBy: "dead", lockedUntil: new Date(ctx.clock.now().getTime() + 60_000) });
    const runner = new JobRunner(ctx, def);
    expect(await runner.drain()).to.equal(0);
    ctx.clock.advance(2 * 60_000);
    expect(await runner.drain()).to.equal(1);
    expect(runs).to.equal(1);
  });

  it("schedules a recurring job once per period however many instances run", async () => {
    let runs = 0;
    const def = [{ name: "tick", everyMs: 60_000, handler: async () => void (runs += 1) }];
    const a = new JobRunner(ctx, def);
    const b = new JobRunner({ ...ctx, instanceId: "b" }, def);
    await a.tick();
    await b.tick();
    expect(runs).to.equal(1);
    ctx.clock.advance(60_000);
    await b.tick();
    await a.tick();
    expect(runs).to.equal(2);
  });
});

describe("job runner: leases, ownership and shutdown", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  /** A handler that waits until the test lets it go, and sees the signal the runner passes. */
  function gate() {
    let release!: (outcome: "ok" | "fail") => void;
    const outcome = new Promise<"ok" | "fail">((resolve) => (release = resolve));
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    const signals: AbortSignal[] = [];
    const handler = async (_c: unknown, _p: unknown, signal?: AbortSignal) => {
      if (signal) signals.push(signal);
      entered();
      if ((await outcome) === "fail") throw new Error("late failure");
    };
    return { handler, release, started, signals };
  }

  /** Queues a job and starts it on instance "test" with a handler that waits for the test. */
  async function runSlowly(options: JobRunnerOptions) {
    const slow = gate();
    const a = new JobRunner(ctx, [{ name: "work", handler: slow.handler }], options);
    await enqueueJob(ctx.db, "work", {}, { runAt: ctx.clock.now() });
    const first = a.runOne();
    await slow.started;
    return { ...slow, first };
  }

  it("a late failure of an instance that lost its lease leaves the job as the new owner finished it", async () => {
    let bRuns = 0;
    const b = new JobRunner({ ...ctx, instanceId: "b" }, [{ name: "work", handler: async () => void (bRuns += 1) }], { leaseMs: 30_000 });
    // No heartbeat within the test: the clock is moved past the lease by hand instead.
    const { first, ...slow } = await runSlowly({ leaseMs: 30_000, heartbeatMs: 3_600_000 });
    ctx.clock.advance(31_000); // a's lease ran out without a renewal
    expect(await b.drain()).to.equal(1);
    expect(bRuns).to.equal(1);
    const [done] = await ctx.db.select().from(jobs);
    expect(done!.status).to.equal("done");

    slow.release("fail");
    await first;
    const [after] = await ctx.db.select().from(jobs);
    expect(after!.status, "a's late failure must not re-queue b's finished job").to.equal("done");
    expect(after!.lastError).to.equal(null);
    expect(after!.attempts).to.equal(2);
  });

  it("a late success of an instance that lost its lease does not overwrite the new owner's run", async () => {
    const b = new JobRunner({ ...ctx, instanceId: "b" }, [{ name: "work", handler: async () => { throw new Error("b failed"); } }], { leaseMs: 30_000 });
    const { first, ...slow } = await runSlowly({ leaseMs: 30_000, heartbeatMs: 3_600_000 });
    ctx.clock.advance(31_000);
    await b.drain();
    slow.release("ok");
    await first;
    const [row] = await ctx.db.select().from(jobs);
    expect(row!.status, "b's failure re-queued it; a must not mark it done").to.equal("queued");
    expect(row!.lastError).to.equal("b failed");
  });

  it("a handler learns through its signal that its job was taken over", async () => {
    const { first, ...slow } = await runSlowly({ leaseMs: 30_000, heartbeatMs: 20 });
    expect(slow.signals).to.have.length(1);
    const signal = slow.signals[0]!;
    await new Promise((r) => setTimeout(r, 60)); // renewals while it is still a's
    expect(signal.aborted).to.equal(false);
    // Another instance claims it (as after a lease that ran out while a stalled).
    await ctx.db.update(jobs).set({ attemptToken: crypto.randomUUID(), lockedBy: "b" });
    await eventually(() => signal.aborted);
    expect(signal.aborted).to.equal(true);
    slow.release("fail");
    await first;
    const [row] = await ctx.db.select().from(jobs);
    expect(row!.status, "left to b").to.equal("running");
    expect(row!.lockedBy).to.equal("b");
  });

  it("the heartbeat renews the lease while the handler runs", async () => {
    const { first, ...slow } = await runSlowly({ leaseMs: 30_000, heartbeatMs: 20 });
    const [claimed] = await ctx.db.select().from(jobs);
    ctx.clock.advance(20_000);
    // The next heartbeat (every 20 ms; later on a loaded machine) writes the renewed lease.
    let renewed = claimed;
    await eventually(async () => {
      [renewed] = await ctx.db.select().from(jobs);
      return renewed!.lockedUntil!.getTime() > claimed!.lockedUntil!.getTime();
    });
    expect(renewed!.lockedUntil!.getTime()).to.be.greaterThan(claimed!.lockedUntil!.getTime());
    expect(renewed!.lockedUntil!.getTime()).to.equal(ctx.clock.now().getTime() + 30_000);
    slow.release("ok");
    await first;
    const [done] = await ctx.db.select().from(jobs);
    expect(done!.status).to.equal("done");
    expect(done!.attemptToken).to.equal(null);
  });

  it("stop() waits a grace period, then releases a job still running so another instance takes it at once", async () => {
    const slow = gate();
    const a = new JobRunner(ctx, [{ name: "work", handler: slow.handler }], { pollMs: 10, graceMs: 50 });
    await enqueueJob(ctx.db, "work", {}, { runAt: ctx.clock.now() });
    a.start();
    await slow.started;
    const signal = slow.signals[0]!;
    await a.stop();
    expect(signal.aborted, "the handler is told to stop").to.equal(true);
    const [released] = await ctx.db.select().from(jobs);
    expect(released!.status).to.equal("queued");
    expect(released!.attempts, "a release is not a failed attempt").to.equal(0);
    expect(released!.runAt.getTime()).to.be.at.most(ctx.clock.now().getTime());
    let bRuns = 0;
    const b = new JobRunner({ ...ctx, instanceId: "b" }, [{ name: "work", handler: async () => void (bRuns += 1) }]);
    expect(await b.drain()).to.equal(1);
    expect(bRuns).to.equal(1);
    // The released handler finishing afterwards changes nothing.
    slow.release("fail");
    await new Promise((r) => setTimeout(r, 20));
    const [done] = await ctx.db.select().from(jobs);
    expect(done!.status).to.equal("done");
  });

  it("stop() lets a job that finishes within the grace period complete", async () => {
    const slow = gate();
    const a = new JobRunner(ctx, [{ name: "work", handler: slow.handler }], { pollMs: 10, graceMs: 5_000 });
    await enqueueJob(ctx.db, "work", {}, { runAt: ctx.clock.now() });
    a.start();
    await slow.started;
    const stopping = a.stop();
    setTimeout(() => slow.release("ok"), 30);
    await stopping;
    const [done] = await ctx.db.select().from(jobs);
    expect(done!.status).to.equal("done");
  });

  it("a job whose process died on its last attempt fails instead of running forever", async () => {
    await enqueueJob(ctx.db, "work", {}, { runAt: ctx.clock.now(), maxAttempts: 2 });
    await ctx.db.update(jobs).set({ status: "running", attempts: 2, lockedBy: "dead", lockedUntil: new Date(ctx.clock.now().getTime() - 1000) });
    let runs = 0;
    const runner = new JobRunner(ctx, [{ name: "work", handler: async () => void (runs += 1) }]);
    expect(await runner.drain()).to.equal(0);
    expect(runs).to.equal(0);
    const [row] = await ctx.db.select().from(jobs);
    expect(row!.status).to.equal("failed");
    expect(row!.lastError).to.match(/lease/);
  });

  it("a sole instance (embedded database) takes over the jobs a killed process left running at once", async () => {
    await enqueueJob(ctx.db, "work", {}, { runAt: ctx.clock.now() });
    await ctx.db.update(jobs).set({ status: "running", attempts: 1, lockedBy: "killed", lockedUntil: new Date(ctx.clock.now().getTime() + 25_000) });
    let runs = 0;
    const runner = new JobRunner(ctx, [{ name: "work", handler: async () => void (runs += 1) }], { soleInstance: true, pollMs: 10 });
    runner.start();
    for (let i = 0; i < 100 && runs === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(runs).to.equal(1);
    const [row] = await ctx.db.select().from(jobs);
    expect(row!.status).to.equal("done");
  });
});
