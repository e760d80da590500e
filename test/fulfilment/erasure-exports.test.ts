/**
 * Issue 18 item 3: erasure reaches the subject's export packages. A ready one has its file key
 * destroyed (the encrypted file is shredded) and its file deleted; one still pending or building
 * is cancelled in the erasure's transaction, and its build job then stops and leaves nothing.
 */
import { expect } from "chai";
import { and, eq, inArray } from "drizzle-orm";
import { auditLog, exports, requests } from "../../src/db/schema/index.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { readResult } from "../../src/requests/result.js";
import { allStoredBlobs, buildNow, freshExportsContext, queue, runJobs, storedBlobBytes } from "../exports/helpers.js";
import type { TestContext } from "../support/context.js";
import { actorOf, insertRequest, world } from "./helpers.js";

describe("fulfilment: erasure shreds and cancels the subject's exports", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });

  it("shreds a ready export, cancels a pending and a building one; the build jobs then leave nothing", async () => {
    const w = await world(ctx);
    const exported = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "export", scope: "all_conversations", status: "completed" });
    const { row: ready } = await buildNow(ctx, exported.id, "export_json");
    expect(ready.status).to.equal("ready");
    expect(ready.fileKeyWrapped).to.be.instanceOf(Buffer);
    expect(await storedBlobBytes(ctx, ready.path!)).to.be.instanceOf(Buffer);

    const access = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "access", scope: "all_conversations", status: "in_progress" });
    const pending = await queue(ctx, access.id, "access_zip");
    const again = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "export", scope: "all_conversations", status: "in_progress" });
    const building = await queue(ctx, again.id, "export_json");
    // As an attempt that claimed it and is still writing would leave it.
    await ctx.db.update(exports).set({ status: "building", attempts: 1 }).where(eq(exports.id, building.id));

    const erasure = await insertRequest(ctx, w.org, {
      subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, erasure.id);

    const rows = await ctx.db.select().from(exports).where(inArray(exports.id, [ready.id, pending.id, building.id]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ready.id)).to.include({ status: "expired", fileKeyWrapped: null });
    expect(byId.get(pending.id)).to.include({ status: "expired", error: "cancelled_erased", fileKeyWrapped: null });
    expect(byId.get(building.id)).to.include({ status: "expired", error: "cancelled_erased", fileKeyWrapped: null });
    expect(await storedBlobBytes(ctx, ready.path!)).to.equal(undefined);

    const [done] = await ctx.db.select().from(requests).where(eq(requests.id, erasure.id));
    expect(readResult(done!)!.erasure!.shredded).to.include({ export_keys: 1, exports_cancelled: 2 });
    const cancelled = await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, "export.cancelled"), inArray(auditLog.targetId, [pending.id, building.id])));
    expect(cancelled).to.have.length(2);

    // The queued build jobs run: nothing to claim, nothing written, nothing becomes ready.
    await runJobs(ctx);
    const after = await ctx.db.select().from(exports).where(inArray(exports.id, [pending.id, building.id]));
    expect(after.map((r) => r.status)).to.deep.equal(["expired", "expired"]);
    expect(after.every((r) => r.path === null && r.fileKeyWrapped === null)).to.equal(true);
    expect(await allStoredBlobs(ctx)).to.deep.equal([]);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });
});
