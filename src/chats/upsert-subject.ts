import type { AppContext } from "../context.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { saveSubject, subjectResource, type Outcome } from "./ingest.js";
import type { SubjectBody } from "./schema.js";

/** PUT /api/v1/subjects/:externalId — one audit entry per call, without the profile itself. */
export async function upsertSubject(
  ctx: AppContext,
  actor: Actor,
  input: { orgId: string; externalId: string; body: SubjectBody; ip?: string },
): Promise<{ outcome: Outcome; resource: ReturnType<typeof subjectResource> }> {
  return ctx.db.transaction(async (tx) => {
    const { subject, outcome } = await saveSubject(tx, input.orgId, input.externalId, input.body, ctx.keys);
    await appendAudit(tx, ctx, {
      orgId: input.orgId, actor, action: "chats.ingest.subject", target: { type: "subject", id: subject.id },
      subjectId: subject.id, details: { outcome }, ip: input.ip,
    });
    return { outcome, resource: subjectResource(subject) };
  });
}
