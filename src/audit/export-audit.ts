import { and, asc, gt } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { auditLog } from "../db/schema/index.js";
import { recordAudit } from "../platform/audit.js";
import type { StaffActor } from "../platform/policy.js";
import { auditConditions, filterQuery } from "./filters.js";
import type { AuditFilters } from "./schema.js";

const CHUNK = 1000;

/**
 * One entry as a JSON line for a SIEM: every column, hashes included, so the receiver can check the
 * chain too (the organization's own: chain and chainSeq say which and where).
 */
export function ndjsonLine(row: typeof auditLog.$inferSelect): string {
  return `${JSON.stringify({
    seq: row.seq, chain: row.chain, chainSeq: row.chainSeq, at: row.at.toISOString(), orgId: row.orgId, actorType: row.actorType, actorId: row.actorId, actorRole: row.actorRole,
    action: row.action, targetType: row.targetType, targetId: row.targetId, subjectId: row.subjectId, ipPseudonym: row.ipPseudonym,
    details: row.details, detailsEnc: row.detailsEnc?.toString("base64") ?? undefined, prevHash: row.prevHash, hash: row.hash,
  })}\n`;
}

/**
 * Exports the filtered entries oldest first, as JSON lines read a chunk at a time (memory stays
 * flat however long the log). The export itself is recorded before the first line is sent.
 */
export async function exportAudit(ctx: AppContext, actor: StaffActor, timeZone: string, filters: AuditFilters): Promise<AsyncIterable<string>> {
  await recordAudit(ctx, { orgId: actor.orgId, actor, action: "audit.exported", details: { filters: filterQuery(filters) } });
  const where = auditConditions(actor.orgId, timeZone, filters);
  return (async function* () {
    let after = 0;
    for (;;) {
      const rows = await ctx.db.select().from(auditLog).where(and(where, gt(auditLog.seq, after))).orderBy(asc(auditLog.seq)).limit(CHUNK);
      if (rows.length) yield rows.map(ndjsonLine).join("");
      if (rows.length < CHUNK) return;
      after = rows[rows.length - 1]!.seq;
    }
  })();
}
