/**
 * Job "exports.expire" (hourly): an export whose download period ended, or whose downloads are
 * used up, is marked expired and its file deleted. The row stays (with its hashes and signature),
 * so /verify keeps confirming documents that were handed on, e.g. to the police.
 */
import fsp from "node:fs/promises";
import { and, asc, eq, gte, lte, or } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { exports } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { absoluteExportPath } from "./storage.js";

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
          .set({ status: "expired" })
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
        await fsp.rm(absoluteExportPath(ctx.config, row.path), { force: true }).catch((err: unknown) => {
          ctx.logger.warn({ exportId: row.id, err: (err as Error).name }, "could not delete expired export file");
        });
      }
    }
    if (due.length < batchSize) return expired;
  }
}
