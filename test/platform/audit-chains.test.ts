import { expect } from "chai";
import { asc, eq, sql } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { auditLog } from "../../src/db/schema/index.js";
import {
  appendAudit, entryHash, LEGACY_CHAIN, PLATFORM_CHAIN, pruneAuditPrefix, recordAudit, verifyAuditChain, verifyAuditChains,
} from "../../src/platform/audit.js";

describe("audit log: one hash chain per organization", () => {
  let ctx: TestContext;
  let a: Awaited<ReturnType<typeof makeOrg>>;
  let b: Awaited<ReturnType<typeof makeOrg>>;

  const write = async (orgId: string | null, n: number, action = "test.entry") => {
    for (let i = 1; i <= n; i++) {
      await recordAudit(ctx, { orgId, actor: { type: "system" }, action, details: { i } });
      ctx.clock.advance(1000);
    }
  };
  const entriesOf = (chain: string) => ctx.db.select().from(auditLog).where(eq(auditLog.chain, chain)).orderBy(asc(auditLog.chainSeq));
  const results = async () => Object.fromEntries((await verifyAuditChains(ctx.db)).map((r) => [r.chain, r.result]));

  beforeEach(async () => {
    ctx = await freshContext();
    a = await makeOrg(ctx);
    b = await makeOrg(ctx);
    await ctx.db.delete(auditLog); // whatever setting up the organizations wrote
  });

  it("two organizations' entries, interleaved, form two chains that each verify (platform events a third)", async () => {
    for (let i = 0; i < 4; i++) {
      await write(a.id, 1);
      await write(b.id, 2);
    }
    await write(null, 2);
    expect(await results()).to.deep.equal({ [PLATFORM_CHAIN]: { ok: true, checked: 2 }, [a.id]: { ok: true, checked: 4 }, [b.id]: { ok: true, checked: 8 } });
    expect((await entriesOf(a.id)).map((e) => e.chainSeq)).to.deep.equal([1, 2, 3, 4]);
    expect((await entriesOf(b.id))[0]!.prevHash).to.equal("0".repeat(64));
    expect(await verifyAuditChain(ctx.db)).to.deep.equal({ ok: true, checked: 14 });
  });

  it("tampering with one organization's entry fails only that organization's chain", async () => {
    await write(a.id, 3);
    await write(b.id, 3);
    const [second] = (await entriesOf(a.id)).slice(1);
    await ctx.db.execute(sql`update audit_log set details = '{"i": 99}' where seq = ${second!.seq}`);
    const r = await results();
    expect(r[a.id]).to.deep.include({ ok: false, seq: 2, reason: "altered", chain: a.id });
    expect(r[b.id]).to.deep.equal({ ok: true, checked: 3 });
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, chain: a.id });
  });

  it("an entry moved into another organization's chain fails there", async () => {
    await write(a.id, 2);
    await write(b.id, 2);
    const [last] = (await entriesOf(b.id)).slice(-1);
    await ctx.db.execute(sql`update audit_log set chain = ${a.id}, chain_seq = 3, org_id = ${a.id} where seq = ${last!.seq}`);
    expect((await results())[a.id]).to.deep.include({ ok: false, seq: 3 });
  });

  it("pruning one organization's chain leaves the other whole", async () => {
    await write(a.id, 5);
    await write(b.id, 5);
    const removed = await ctx.db.transaction((tx) => pruneAuditPrefix(tx, ctx, sql`a.action = 'test.entry'`, 100, a.id));
    expect(removed).to.equal(5);
    expect((await entriesOf(a.id)).map((e) => e.action)).to.deep.equal(["audit.pruned"]);
    expect((await entriesOf(b.id))).to.have.length(5);
    expect(await results()).to.deep.equal({ [a.id]: { ok: true, checked: 1, anchoredAt: 5 }, [b.id]: { ok: true, checked: 5 } });
  });

  it("concurrent appends in two organizations all succeed, each chain without gaps", async () => {
    await Promise.all([a.id, b.id].flatMap((orgId) => Array.from({ length: 10 }, (_, i) => recordAudit(ctx, { orgId, actor: { type: "system" }, action: "test.concurrent", details: { i } }))));
    expect(await results()).to.deep.equal({ [a.id]: { ok: true, checked: 10 }, [b.id]: { ok: true, checked: 10 } });
  });

  it("an organization's append does not wait for another organization's open transaction (PostgreSQL server)", async function () {
    if (ctx.engine !== "postgres") this.skip(); // PGlite has one connection: every transaction waits anyway
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appendedA!: () => void;
    const inA = new Promise<void>((resolve) => (appendedA = resolve));
    const slow = ctx.db.transaction(async (tx) => {
      await appendAudit(tx, ctx, { orgId: a.id, actor: { type: "system" }, action: "test.slow" });
      appendedA();
      await held; // organization A's chain lock is held until this transaction ends
    });
    await inA;
    const quick = recordAudit(ctx, { orgId: b.id, actor: { type: "system" }, action: "test.quick" });
    const first = await Promise.race([quick.then(() => "b"), new Promise((resolve) => setTimeout(() => resolve("timeout"), 3000))]);
    release();
    await slow;
    expect(first).to.equal("b");
    expect(await results()).to.deep.equal({ [a.id]: { ok: true, checked: 1 }, [b.id]: { ok: true, checked: 1 } });
  });

  describe("entries from before per-organization chains (the legacy chain)", () => {
    /** What migration 0016 does: the one global chain becomes chain "legacy" with chain_seq = seq, hashes as they were. */
    async function writeLegacy(n: number) {
      let prevHash = "0".repeat(64);
      for (let i = 1; i <= n; i++) {
        await recordAudit(ctx, { orgId: i % 2 ? a.id : b.id, actor: { type: "system" }, action: "test.legacy", details: { i } });
        ctx.clock.advance(1000);
      }
      for (const row of await ctx.db.select().from(auditLog).orderBy(asc(auditLog.seq))) {
        const legacy = { ...row, chain: LEGACY_CHAIN, chainSeq: row.seq, prevHash };
        const hash = entryHash(legacy);
        await ctx.db.update(auditLog).set({ chain: LEGACY_CHAIN, chainSeq: row.seq, prevHash, hash }).where(eq(auditLog.seq, row.seq));
        prevHash = hash;
      }
    }

    beforeEach(async () => {
      await writeLegacy(6);
      await write(a.id, 2);
      await write(b.id, 2);
    });

    it("verify as they were, beside the new chains", async () => {
      expect(await results()).to.deep.equal({ [LEGACY_CHAIN]: { ok: true, checked: 6 }, [a.id]: { ok: true, checked: 2 }, [b.id]: { ok: true, checked: 2 } });
    });

    it("a changed legacy entry fails the legacy chain only", async () => {
      await ctx.db.execute(sql`update audit_log set action = 'test.forged' where chain = ${LEGACY_CHAIN} and chain_seq = 4`);
      const r = await results();
      expect(r[LEGACY_CHAIN]).to.deep.include({ ok: false, seq: 4, reason: "altered" });
      expect(r[a.id]!.ok && r[b.id]!.ok).to.equal(true);
    });

    it("are pruned from their oldest end, vouched for by the platform chain", async () => {
      const removed = await ctx.db.transaction((tx) => pruneAuditPrefix(tx, ctx, sql`a.chain_seq <= 3`, 100, LEGACY_CHAIN));
      expect(removed).to.equal(3);
      expect((await entriesOf(PLATFORM_CHAIN)).map((e) => e.details)).to.deep.equal([{ chain: LEGACY_CHAIN, anchorSeq: 3, anchorHash: (await entriesOf(LEGACY_CHAIN))[0]!.prevHash, removedCount: 3 }]);
      const r = await results();
      expect(r[LEGACY_CHAIN]).to.deep.equal({ ok: true, checked: 3, anchoredAt: 3 });
      expect(r[PLATFORM_CHAIN]).to.deep.equal({ ok: true, checked: 1 });
      // Without the platform entry that vouches for it, the anchor does not count.
      await ctx.db.delete(auditLog).where(eq(auditLog.chain, PLATFORM_CHAIN));
      expect((await results())[LEGACY_CHAIN]).to.deep.include({ ok: false, reason: "unattested_anchor" });
    });
  });
});
