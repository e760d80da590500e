import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";

/**
 * When an audit entry may go: once its organization's audit-log period has passed. Entries of no
 * organization (system events) follow the longest audit-log period any organization set, and an
 * organization without an audit-log policy keeps its entries. Each chain (the organization's, the
 * platform's, the legacy one) is removed only from its oldest end (platform/audit.ts pruneAuditPrefix).
 */
export function auditRemovable(alias: string, now: Date): SQL {
  const a = sql.raw(alias);
  const at = sql`${now.toISOString()}::timestamptz`;
  return sql`coalesce((
    exists (select 1 from retention_policies p
            where p.category = 'audit_log' and p.org_id = ${a}.org_id and ${a}.at <= ${at} - make_interval(days => p.period_days))
    or (${a}.org_id is null and ${a}.at <= ${at} - make_interval(days =>
          (select max(p.period_days) from retention_policies p where p.category = 'audit_log')))
  ), false)`;
}

/** How many of the oldest entries a run for the organization would remove now (for --dry-run and the preview). */
export async function countPrunableAudit(db: Executor, now: Date, orgId: string): Promise<number> {
  let total = 0;
  for (const chain of [orgId, "legacy", "platform"]) {
    const [row] = rowsOf<{ n: number | string }>(
      await db.execute(sql`select count(*)::int as n from audit_log a where a.chain = ${chain}
        and a.chain_seq < coalesce((select min(b.chain_seq) from audit_log b where b.chain = ${chain} and not ${auditRemovable("b", now)}), 9223372036854775807)`),
    );
    total += Number(row?.n ?? 0);
  }
  return total;
}
