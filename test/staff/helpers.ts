import { requests, type RequestType } from "../../src/db/schema/index.js";
import { newReference } from "../../src/platform/codes.js";
import { dueDate } from "../../src/requests/deadlines.js";
import type { TestContext } from "../support/context.js";

/** A request row as intake would store it, in any status. */
export async function makeRequest(
  ctx: TestContext,
  org: { id: string; country: string; timeZone: string },
  opts: { subjectId?: string | null; type?: RequestType; status?: string; receivedAt?: Date; conversationIds?: string[]; scope?: "profile" | "all_conversations" | "chosen_conversations"; locale?: string; erasureApprovedBy?: string | null } = {},
) {
  const receivedAt = opts.receivedAt ?? ctx.clock.now();
  const due = dueDate(receivedAt, org.country, org.timeZone);
  const [row] = await ctx.db.insert(requests).values({
    orgId: org.id, reference: newReference(), subjectId: opts.subjectId ?? null, type: opts.type ?? "access",
    scope: opts.scope ?? "all_conversations", conversationIds: opts.conversationIds ?? [], dedupeKey: `k-${Math.random()}`,
    status: opts.status ?? "submitted", assurance: "account", locale: opts.locale ?? "en", receivedAt, dueDate: due, effectiveDueDate: due,
    erasureApprovedBy: opts.erasureApprovedBy ?? null,
  }).returning();
  return row!;
}
