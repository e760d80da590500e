import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests } from "../db/schema/index.js";
import { NotFoundError } from "../platform/errors.js";
import { openRequest, type OpenedRequest } from "./request-texts.js";

/** A request by id within the organization; another organization's request is "not found". */
export async function staffRequest(ctx: AppContext, orgId: string, id: string): Promise<OpenedRequest> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError("request");
  const [row] = await ctx.db.select().from(requests).where(and(eq(requests.id, id), eq(requests.orgId, orgId)));
  if (!row) throw new NotFoundError("request");
  // The case page shows the requester's details and the reasons written to them: opened here.
  return openRequest(ctx.db, ctx.keys, row);
}
