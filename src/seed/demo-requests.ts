import type { Subject } from "../chats/subject-store.js";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { requests, type organizations, type RequestType, type subjects } from "../db/schema/index.js";
import { newReference } from "../platform/codes.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { canTransition, type RequestStatus } from "../requests/lifecycle.js";
import { recordEvent } from "../requests/events.js";
import { dueDate } from "../requests/deadlines.js";
import { keyForNewRequest, sealDecisionReason, sealDetails } from "../requests/request-texts.js";

type Org = typeof organizations.$inferSelect;
type Person = Subject;

/** Requests in several states, received at different times, so the queue and deadlines have something to show. */
const plan: { type: RequestType; daysAgo: number; path: RequestStatus[] }[] = [
  { type: "access", daysAgo: 2, path: [] },
  { type: "police_transcript", daysAgo: 6, path: ["in_review"] },
  { type: "erasure", daysAgo: 10, path: ["in_review", "awaiting_identity"] },
  { type: "objection", daysAgo: 20, path: ["in_review", "approved"] },
  { type: "export", daysAgo: 25, path: ["in_review", "approved", "in_progress", "completed"] },
  { type: "erasure", daysAgo: 28, path: ["in_review", "rejected"] },
  { type: "access", daysAgo: 40, path: ["in_review"] },
  { type: "rectification", daysAgo: 3, path: ["in_review", "awaiting_requester"] },
];

export async function seedDemoRequests(ctx: AppContext, tx: Tx, org: Org, people: Person[]): Promise<void> {
  const now = ctx.clock.now().getTime();
  for (const [i, item] of plan.entries()) {
    const person = people[i % people.length]!;
    const receivedAt = new Date(now - item.daysAgo * 86_400_000);
    const due = dueDate(receivedAt, org.country, org.timeZone);
    const status = item.path.at(-1) ?? "submitted";
    const scope = item.type === "police_transcript" ? "chosen_conversations" : item.type === "rectification" ? "profile" : "all_conversations";
    const key = await keyForNewRequest(tx, ctx.keys, org.id, person.id);
    const [row] = await tx
      .insert(requests)
      .values({
        orgId: org.id, reference: newReference(), subjectId: person.id, type: item.type, scope,
        subjectKeyId: key.id, detailsEnc: sealDetails(key, item.type === "rectification" ? { field: "displayName", value: "Corrected Name" } : {}),
        dedupeKey: `demo-${i}`, status, assurance: "account", locale: person.locale ?? "en", receivedAt, dueDate: due, effectiveDueDate: due,
        decisionReasonEnc: sealDecisionReason(key, status === "rejected" ? "The conversation is under legal hold because a child-protection report was made (GDPR Art. 17(3)(b))." : null),
        legalGround: status === "rejected" ? "art17_3_exception" : null,
        completedAt: status === "completed" ? new Date(receivedAt.getTime() + 12 * 86_400_000) : null,
      })
      .returning();
    const subjectActor: Actor = { type: "subject", id: person.id };
    const clock = { now: () => receivedAt };
    await recordEvent(tx, clock, row!.id, subjectActor, { kind: "submitted", toStatus: "submitted" });
    let from: RequestStatus = "submitted";
    for (const to of item.path) {
      if (!canTransition(from, to)) throw new Error(`demo plan has an invalid move ${from} → ${to}`);
      await recordEvent(tx, clock, row!.id, { type: "system" }, { kind: to, fromStatus: from, toStatus: to });
      from = to;
    }
    await appendAudit(tx, ctx, { orgId: org.id, actor: { type: "system" }, action: "demo.request_seeded", target: { type: "request", id: row!.id }, subjectId: person.id, details: { reference: row!.reference, status } });
  }
}
