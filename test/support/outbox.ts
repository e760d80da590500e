import type { AppContext } from "../../src/context.js";
import { openOutboxRecipient, openOutboxRow, type OutboxRow } from "../../src/platform/outbox.js";

/** An outbox row as a test reads it: recipient and payload opened (null and {} once shredded or cleared). */
export type ReadableOutboxRow = OutboxRow & { recipient: string | null; payload: Record<string, unknown> };

/** Opens the sealed recipient and payload of outbox rows read by a query, in the query's order. */
export async function openedOutbox(ctx: Pick<AppContext, "db" | "keys">, rows: OutboxRow[] | Promise<OutboxRow[]>): Promise<ReadableOutboxRow[]> {
  const out: ReadableOutboxRow[] = [];
  for (const row of await rows) {
    const opened = await openOutboxRow(ctx.db, ctx.keys, row);
    out.push(opened ?? { ...row, recipient: await openOutboxRecipient(ctx.db, ctx.keys, row), payload: {} });
  }
  return out;
}
