import { expect } from "chai";
import { sql } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { appendAudit, recordAudit, verifyAuditChain } from "../../src/platform/audit.js";

describe("audit log hash chain", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
    for (let i = 1; i <= 6; i++) {
      await recordAudit(ctx, { actor: { type: "staff", id: `00000000-0000-0000-0000-00000000000${i}`, role: "dpo" }, action: `test.action${i}`, details: { n: i, z: "last", a: "first" }, ip: "203.0.113.9" });
      ctx.clock.advance(1000);
    }
  });

  it("verifies an untouched chain", async () => {
    expect(await verifyAuditChain(ctx.db)).to.deep.equal({ ok: true, checked: 6 });
  });

  it("detects an altered entry", async () => {
    await ctx.db.execute(sql`update audit_log set details = '{"n": 99, "a": "first", "z": "last"}' where seq = 3`);
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: 3, reason: "altered" });
  });

  it("detects an altered entry whose own hash was recomputed (the link to the next breaks)", async () => {
    await ctx.db.execute(sql`update audit_log set action = 'test.forged', hash = repeat('a', 64) where seq = 4`);
    const result = await verifyAuditChain(ctx.db);
    expect(result.ok).to.equal(false);
    expect((result as { seq: number }).seq).to.equal(4);
  });

  it("detects a deleted entry", async () => {
    await ctx.db.execute(sql`delete from audit_log where seq = 2`);
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: 2, reason: "missing_or_reordered" });
  });

  it("detects reordered entries", async () => {
    await ctx.db.execute(sql`update audit_log set seq = -seq where seq in (2, 5)`);
    await ctx.db.execute(sql`update audit_log set seq = case seq when -2 then 5 when -5 then 2 end where seq in (-2, -5)`);
    expect(await verifyAuditChain(ctx.db)).to.deep.include({ ok: false, seq: 2 });
  });

  it("stores a pseudonym, never the IP address", async () => {
    const rows = (await ctx.db.execute(sql`select ip_pseudonym from audit_log`)) as unknown as { rows: { ip_pseudonym: string }[] };
    expect(rows.rows[0]!.ip_pseudonym).to.match(/^ip:[0-9a-f]{16}$/);
    expect(JSON.stringify(rows.rows)).not.to.include("203.0.113");
  });

  it("rolls back with the change it records", async () => {
    try {
      await ctx.db.transaction(async (tx) => {
        await appendAudit(tx, ctx, { actor: { type: "system" }, action: "will.rollback" });
        throw new Error("abort");
      });
    } catch {
      /* expected */
    }
    expect(await verifyAuditChain(ctx.db)).to.deep.equal({ ok: true, checked: 6 });
  });
});
