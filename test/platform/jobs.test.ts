import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { JobRunner, enqueueJob } from "../../src/platform/jobs.js";
import { jobs } from "../../src/db/schema/index.js";

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
