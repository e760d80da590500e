import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { auditLog } from "../db/schema/index.js";
import { NotFoundError } from "../platform/errors.js";

/** One entry by its number; the route authorizes it against the actor's organization. */
export async function auditEntry(ctx: AppContext, seqParam: string) {
  if (!/^\d{1,15}$/.test(seqParam)) throw new NotFoundError("auditEntry");
  const [row] = await ctx.db.select().from(auditLog).where(eq(auditLog.seq, Number(seqParam)));
  if (!row) throw new NotFoundError("auditEntry");
  return row;
}
