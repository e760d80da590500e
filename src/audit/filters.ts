import { and, eq, gte, like, lt, type SQL } from "drizzle-orm";
import { auditLog } from "../db/schema/index.js";
import { endOfLocalDay, startOfLocalDay } from "./local-day.js";
import type { AuditFilters } from "./schema.js";

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The WHERE of a filtered view of one organization's entries (never another's, never system-wide ones). */
export function auditConditions(orgId: string, timeZone: string, f: AuditFilters): SQL {
  const parts: (SQL | undefined)[] = [eq(auditLog.orgId, orgId)];
  if (f.actor) {
    const [type, id] = f.actor.toLowerCase().split(":");
    parts.push(eq(auditLog.actorType, type!));
    if (id) parts.push(eq(auditLog.actorId, id));
  }
  // An action or its start: "request." shows every request action.
  if (f.action) parts.push(like(auditLog.action, `${escapeLike(f.action)}%`));
  if (f.subjectId) parts.push(eq(auditLog.subjectId, f.subjectId.toLowerCase()));
  if (f.from) parts.push(gte(auditLog.at, startOfLocalDay(f.from, timeZone)));
  if (f.to) parts.push(lt(auditLog.at, endOfLocalDay(f.to, timeZone)));
  return and(...parts)!;
}

/** The filters as a query string (without the page cursor), for links and the export. */
export function filterQuery(f: AuditFilters): string {
  const params = new URLSearchParams();
  for (const key of ["actor", "action", "subjectId", "from", "to"] as const) {
    const v = f[key];
    if (v) params.set(key, String(v));
  }
  return params.toString();
}
