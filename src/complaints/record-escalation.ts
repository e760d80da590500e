import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { complaints } from "../db/schema/index.js";
import type { Requester } from "../identity/guards.js";
import { appendAudit } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import { lockRequest } from "../requests/change-status.js";
import { recordEvent } from "../requests/events.js";
import { getMyRequest } from "../requests/requester-queries.js";
import { leadAuthority } from "../requests/authorities.js";
import { groundsNow, insertComplaint, latestComplaint, requesterActor, type MyRequestRef } from "./file-complaint.js";
import { notifyEscalated, type ComplaintRow } from "./notify.js";

/**
 * The requester records that they complained to the supervisory authority (Art. 77). It is their
 * statement, not something we can check, and it is recorded as such: on their latest complaint,
 * or — if they went straight to the authority — as a new complaint item already "escalated", so
 * the DPO sees it in the complaints queue either way. Recording it twice changes nothing.
 */
export async function recordEscalation(ctx: AppContext, requester: Requester, { org, reference }: MyRequestRef): Promise<{ complaint: ComplaintRow; recorded: boolean }> {
  const mine = await getMyRequest(ctx, org.id, requester, reference);
  const authority = leadAuthority(org.authorityCountry);
  return ctx.db.transaction(async (tx) => {
    const current = await lockRequest(tx, mine.id, org.id);
    const now = ctx.clock.now();
    const latest = await latestComplaint(tx, ctx.keys, org.id, current.id);
    if (latest?.status === "escalated") return { complaint: latest, recorded: false };

    let complaint: ComplaintRow;
    if (latest) {
      await tx.update(complaints).set({ status: "escalated", escalatedAt: now }).where(eq(complaints.id, latest.id));
      complaint = { ...latest, status: "escalated", escalatedAt: now };
    } else {
      const grounds = groundsNow(current, org, now);
      if (grounds.length === 0) throw new ValidationError({ _form: "complaints.errors.notEligible" });
      complaint = await insertComplaint(tx, ctx, org, current, { grounds: grounds[0]!, body: "", status: "escalated", escalatedAt: now });
    }
    const actor = requesterActor(requester);
    await recordEvent(tx, ctx.clock, current.id, actor, { kind: "complaint_escalated", note: authority?.nameLocal ?? null });
    await appendAudit(tx, ctx, {
      orgId: org.id, actor, action: "complaint.escalated", target: { type: "complaint", id: complaint.id }, subjectId: current.subjectId,
      details: { reference: current.reference, complaintReference: complaint.reference, authorityCountry: authority?.country ?? null, direct: !latest },
    });
    await notifyEscalated(tx, ctx, org, current, complaint, authority?.nameLocal ?? org.authorityCountry);
    return { complaint, recorded: true };
  });
}
