import { expect } from "chai";
import { pino } from "pino";
import { freshContext, type TestContext } from "../support/context.js";
import { auditLog, dataMigrations } from "../../src/db/schema/index.js";
import { appendAudit, systemActor } from "../../src/platform/audit.js";
import { runDataMigrations, type DataMigration } from "../../src/platform/data-migrations.js";
import { prepareContext } from "../../src/bootstrap.js";
import { dataMigrationDefinitions } from "../../src/data-migrations.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("data migrations", () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await freshContext();
  });

  /** A migration that writes an audit entry (a real row in its transaction) and counts its runs. */
  function recording(name: string, runs: string[], opts: { fail?: boolean; holdMs?: number } = {}): DataMigration {
    return {
      name,
      async run(c, tx) {
        runs.push(name);
        await appendAudit(tx, c, { actor: systemActor, action: `test.${name}` });
        if (opts.holdMs) await sleep(opts.holdMs);
        if (opts.fail) throw new Error(`${name} failed`);
      },
    };
  }
  const auditActions = async () => (await ctx.db.select({ action: auditLog.action }).from(auditLog).orderBy(auditLog.seq)).map((r) => r.action);

  it("applies each migration once, in order, each with its row; a second run applies nothing", async () => {
    const runs: string[] = [];
    const list = [recording("first", runs), recording("second", runs)];
    expect(await runDataMigrations(ctx, list)).to.deep.equal(["first", "second"]);
    expect(await runDataMigrations(ctx, list)).to.deep.equal([]);
    expect(runs).to.deep.equal(["first", "second"]);
    expect(await auditActions()).to.deep.equal(["test.first", "test.second"]);
    const rows = await ctx.db.select().from(dataMigrations).orderBy(dataMigrations.appliedAt, dataMigrations.name);
    expect(rows.map((r) => r.name).sort()).to.deep.equal(["first", "second"]);
    expect(rows[0]!.appliedAt.toISOString()).to.equal(ctx.clock.now().toISOString());

    // One added later runs on the next start; the applied ones do not run again.
    expect(await runDataMigrations(ctx, [...list, recording("third", runs)])).to.deep.equal(["third"]);
    expect(runs).to.deep.equal(["first", "second", "third"]);
  });

  it("rolls a failing migration back with its row, stops there, and retries it on the next start", async () => {
    const runs: string[] = [];
    const failing = [recording("ok", runs), recording("broken", runs, { fail: true }), recording("later", runs)];
    let error: unknown;
    try {
      await runDataMigrations(ctx, failing);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("broken failed");
    expect(runs).to.deep.equal(["ok", "broken"]);
    expect(await auditActions()).to.deep.equal(["test.ok"]);
    expect((await ctx.db.select().from(dataMigrations)).map((r) => r.name)).to.deep.equal(["ok"]);

    const fixed = [recording("ok", runs), recording("broken", runs), recording("later", runs)];
    expect(await runDataMigrations(ctx, fixed)).to.deep.equal(["broken", "later"]);
    expect(await auditActions()).to.deep.equal(["test.ok", "test.broken", "test.later"]);
  });

  it("runs a migration once when two instances start at the same time", async () => {
    const runs: string[] = [];
    // Both runners see nothing applied, then race for the lock; the first holds it for a while.
    const list = () => [recording("slow", runs, { holdMs: 300 }), recording("quick", runs)];
    const [a, b] = await Promise.all([runDataMigrations(ctx, list()), runDataMigrations(ctx, list())]);
    expect(runs).to.deep.equal(["slow", "quick"]);
    expect([...a!, ...b!].sort()).to.deep.equal(["quick", "slow"]);
    expect(await auditActions()).to.deep.equal(["test.slow", "test.quick"]);
  });

  it("refuses a list naming one migration twice, before running any", async () => {
    const runs: string[] = [];
    let error: unknown;
    try {
      await runDataMigrations(ctx, [recording("twice", runs), recording("twice", runs)]);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.match(/listed twice/);
    expect(runs).to.deep.equal([]);
  });

  it("bootstrap applies the registry's migrations after the SQL ones, once per database", async () => {
    const names = dataMigrationDefinitions().map((m) => m.name);
    expect(names).to.include("requests.recompute-due-dates-unrolled-end");
    const appliedAt: string[][] = [];
    for (let start = 0; start < 2; start++) {
      // What createContext does once it has opened the database.
      const started = await prepareContext(ctx.database, ctx.config, pino({ level: "silent" }), ctx.clock);
      const rows = await started.db.select().from(dataMigrations).orderBy(dataMigrations.name);
      expect(rows.map((r) => r.name)).to.deep.equal([...names].sort());
      appliedAt.push(rows.map((r) => r.appliedAt.toISOString()));
      ctx.clock.advance(60_000);
    }
    // The second start found every row of the first and applied nothing again.
    expect(appliedAt[1]).to.deep.equal(appliedAt[0]);
  });
});
