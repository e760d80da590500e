/**
 * Job "exports.expire" (hourly): an export whose download period ended, or whose downloads are
 * used up, is marked expired, its file key destroyed (which shreds the file, copies included) and
 * its file deleted from the blob store (local files or rows on the server). The row stays (with its hashes and signature),
 * so /verify keeps confirming documents that were handed on, e.g. to the police.
 */
import path from "node:path";
import { and, asc, eq, gte, inArray, lte, or } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { exports } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { exportBlobStore, fileBlobStore } from "../platform/blob-store.js";

export async function expireExports(ctx: AppContext, batchSize = 200): Promise<number> {
  const now = ctx.clock.now();
  let expired = 0;
  for (;;) {
    const due = await ctx.db
      .select({ id: exports.id })
      .from(exports)
      .where(and(eq(exports.status, "ready"), or(lte(exports.expiresAt, now), gte(exports.downloadCount, exports.maxDownloads))))
      .orderBy(asc(exports.expiresAt))
      .limit(batchSize);
    for (const { id } of due) {
      const row = await ctx.db.transaction(async (tx) => {
        const [r] = await tx
          .update(exports)
          .set({ status: "expired", fileKeyWrapped: null })
          .where(and(eq(exports.id, id), eq(exports.status, "ready")))
          .returning();
        if (!r) return undefined;
        await appendAudit(tx, ctx, {
          orgId: r.orgId,
          actor: systemActor,
          action: "export.expired",
          target: { type: "export", id: r.id },
          details: { kind: r.kind, reason: r.downloadCount >= r.maxDownloads ? "downloads_used" : "period_ended", downloads: r.downloadCount },
        });
        return r;
      });
      if (!row) continue;
      expired += 1;
      // After commit: the row no longer serves the file, so deleting it can never break a download.
      if (row.path) {
        await exportBlobStore(ctx).remove(row.path).catch((err: unknown) => {
          ctx.logger.warn({ exportId: row.id, err: (err as Error).name }, "could not delete expired export file");
        });
      }
    }
    if (due.length < batchSize) return expired;
  }
}

/** Blobs younger than this are left alone: an attempt may still be writing them. */
const ORPHAN_MIN_AGE_MS = 6 * 60 * 60_000;
const BLOB_NAME = /^[0-9a-f-]{36}\/([0-9a-f-]{36})\.\d+\.(tmp|spool|zip|pdf)$/;

/**
 * Removes blobs no export serves: leftovers of attempts that crashed, of exports that finally
 * failed, and of rows that are gone. Only blobs begun six hours ago or earlier are considered.
 * On a server the local exports directory is swept as well: spool files stay local.
 */
export async function sweepOrphanFiles(ctx: AppContext): Promise<number> {
  const store = exportBlobStore(ctx);
  const stores = store.kind === "files" ? [store] : [store, fileBlobStore(ctx.config)];
  const cutoff = new Date(ctx.clock.now().getTime() - ORPHAN_MIN_AGE_MS);
  let removed = 0;
  for (const s of stores) {
    const candidates = (await s.listStartedBefore(cutoff)).flatMap((id) => {
      const match = BLOB_NAME.exec(id.split(path.sep).join("/"));
      return match ? [{ id, exportId: match[1]! }] : [];
    });
    if (candidates.length === 0) continue;
    const ids = [...new Set(candidates.map((c) => c.exportId))];
    const rows = await ctx.db.select({ id: exports.id, status: exports.status, path: exports.path }).from(exports).where(inArray(exports.id, ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const c of candidates) {
      const row = byId.get(c.exportId);
      if (row && row.status === "ready" && row.path === c.id) continue;
      await s.remove(c.id);
      removed += 1;
    }
  }
  return removed;
}
