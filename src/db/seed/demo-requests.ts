import type { AppContext } from "../../context.js";
import type { Tx } from "../client.js";
import type { organizations, subjects } from "../schema/index.js";

/** Demo requests in several states; filled in by the requests capability. */
export async function seedDemoRequests(
  _ctx: AppContext,
  _tx: Tx,
  _org: typeof organizations.$inferSelect,
  _people: (typeof subjects.$inferSelect)[],
): Promise<void> {}
