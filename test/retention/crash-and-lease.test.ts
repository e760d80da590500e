import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg } from "../support/factories.js";
import { auditLog, retentionRuns } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { runRetention } from "../../src/retention/run-retention.js";
import { LEASE_MS } from "../../src/retention/run-lease.js";
import { retentionJobDefinition } from "../../src/retention/jobs.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { jobDefinitions } from "../../src/jobs.js";
import { at, count, setPolicy } from "./helpers.js";

const BASIS = new Date("2025-01-15T12:00:00Z");

describe("retention runs: crash, resume, lease", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    await setPolicy(ctx, org.id, "conversations", { periodDays: 60, basis: "created", action: "delete" });
    await setPolicy(ctx, org.id, "ip_addresses", { periodDays: 30, basis: "created", action: "truncate_ip" });
    for (let i = 0; i < 7; i++) await makeConversation(ctx, org.id, { startedAt: at(BASIS, -i) });
    // Two younger chats: past the IP period, not the conversation period.
    for (let i = 0; i < 2; i++) await makeConversation(ctx, org.id, { startedAt: at(BASIS, 50) });
    ctx.clock.set(at(BASIS, 100));
  });

  const batchEntries = async () => (await ctx.db.select().from(auditLog).where(eq(auditLog.action, "retention.batch"))).map((e) => e.details);

  it("a crash after the first batch, then a second run: everything goes once, with correct totals", async () => {
    let batches = 0;
    const crash = async () => {
      batches += 1;
      if (batches === 1) throw new Error("simulated crash");
    };
    let failure: unknown;
    await runRetention(ctx, { batchSize: 3, onBatch: crash }).catch((err: unknown) => (failure = err));
    expect((failure as Error)?.message).to.equal("simulated crash");
    // The first batch committed with its counts; nothing after it happened.
    expect(await count(ctx, "conversations")).to.equal(6);
    const [interrupted] = await ctx.db.select().from(retentionRuns);
    expect(interrupted!.status).to.equal("interrupted");
    expect(interrupted!.counts).to.deep.include({ conversations: 3, "conversations.messages": 6 });

    const [second] = await runRetention(ctx, { batchSize: 3 });
    expect(second!.status).to.equal("completed");
    expect(second!.resumed).to.equal(true);
    expect(second!.runId).to.equal(interrupted!.id);
    expect(second!.counts).to.deep.include({ conversations: 7, "conversations.messages": 14, ip_addresses: 2 });
    expect(await count(ctx, "conversations")).to.equal(2);
    expect(await count(ctx, "conversations", "ip_enc is not null")).to.equal(0);

    const runs = await ctx.db.select().from(retentionRuns);
    expect(runs).to.have.length(1);
    expect(runs[0]!.status).to.equal("completed");
    expect(runs[0]!.counts).to.deep.equal(second!.counts);
    // Audit entries hold counts only, and add up to the run's totals.
    const entries = await batchEntries();
    expect(entries.filter((d) => d.category === "conversations").reduce((n, d) => n + Number(d.done), 0)).to.equal(7);
    expect(JSON.stringify(entries)).not.to.match(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("a process that died holding the lease: others wait until the lease runs out, then resume", async () => {
    await runRetention(ctx, { batchSize: 3, onBatch: () => { throw new Error("die"); } }).catch(() => undefined);
    // Make it look like the owner is still alive (a crash leaves no chance to release).
    const [run] = await ctx.db.select().from(retentionRuns);
    await ctx.db.update(retentionRuns).set({ status: "running", cursor: { ...run!.cursor, owner: "dead-instance", leaseUntil: new Date(ctx.clock.now().getTime() + LEASE_MS).toISOString() } });

    const [busy] = await runRetention(ctx);
    expect(busy!.status).to.equal("busy");
    expect(await count(ctx, "conversations")).to.equal(6);

    ctx.clock.advance(LEASE_MS + 1000);
    const [resumed] = await runRetention(ctx);
    expect(resumed!.status).to.equal("completed");
    expect(resumed!.counts.conversations).to.equal(7);
  });

  it("two instances at once: one sweeps, the other finds the lease taken", async () => {
    const results = await Promise.all([runRetention(ctx, { batchSize: 2 }), runRetention(ctx, { batchSize: 2 })]);
    const statuses = results.map((r) => r[0]!.status).sort();
    expect(statuses).to.deep.equal(["busy", "completed"]);
    const done = results.map((r) => r[0]!).find((r) => r.status === "completed")!;
    expect(done.counts.conversations).to.equal(7);
    expect(await count(ctx, "conversations")).to.equal(2);
    expect(await count(ctx, "retention_runs")).to.equal(1);
  });

  it("the daily job runs the sweep once per day, whichever instance claims it", async () => {
    const runner = new JobRunner(ctx, [retentionJobDefinition()]);
    await runner.tick();
    await runner.tick();
    expect(await count(ctx, "conversations")).to.equal(2);
    expect(await count(ctx, "jobs", "name = 'retention.sweep' and status = 'done'")).to.equal(1);
    expect(await count(ctx, "retention_runs", "status = 'completed'")).to.equal(1);
    ctx.clock.advance(24 * 3_600_000);
    await runner.tick();
    expect(await count(ctx, "jobs", "name = 'retention.sweep' and status = 'done'")).to.equal(2);
    expect(jobDefinitions().map((d) => d.name)).to.include("retention.sweep");
  });

  it("a dry run counts per category and changes nothing", async () => {
    const [preview] = await runRetention(ctx, { dryRun: true });
    expect(preview!.status).to.equal("dry_run");
    expect(preview!.counts).to.deep.include({ conversations: 7, "conversations.messages": 14, ip_addresses: 9 });
    expect(await count(ctx, "conversations")).to.equal(9);
    expect(await count(ctx, "conversations", "ip_enc is not null")).to.equal(9);
    const [row] = await ctx.db.select().from(retentionRuns);
    expect(row!.dryRun).to.equal(1);
    expect(await count(ctx, "audit_log", "action like 'retention.%'")).to.equal(0);
  });
});
