import { eq, sql, type SQL } from "drizzle-orm";
import { rowsOf, type Executor, type Tx } from "../db/client.js";
import { organizations } from "../db/schema/index.js";
import { subjectById, type Subject } from "../chats/subject-store.js";
import type { KeyRing } from "../platform/crypto.js";
import { NotFoundError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";

export type SubjectRow = Subject;


/** Runs a data-modifying CTE and returns how many rows it touched, e.g. `with d as (delete … returning 1)`. */
export async function countOf(db: Executor, query: SQL): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(await db.execute(query));
  return Number(row?.n ?? 0);
}

/** Deletes the rows of `table` whose `column` is one of `ids`; returns how many. */
export function deleteWhereIn(db: Executor, table: string, column: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  return countOf(db, sql`with d as (delete from ${sql.identifier(table)} where ${sql.identifier(column)} = any(${sql.param(ids)}::uuid[]) returning 1) select count(*) as n from d`);
}

export async function organizationOf(db: Executor, orgId: string): Promise<Organization> {
  const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId));
  if (!org) throw new NotFoundError("organization");
  return org;
}

/** The subject's row, locked for the rest of the transaction. */
export function lockSubject(tx: Tx, keys: KeyRing, subjectId: string | null): Promise<SubjectRow | undefined> {
  return subjectById(tx, keys, subjectId, { lock: true });
}
