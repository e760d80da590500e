import { updateSubject } from "../chats/subject-store.js";
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { subjects } from "../db/schema/index.js";
import { appendAudit } from "../platform/audit.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { identityActions } from "./sign-in-audit.js";

/** The staff member doing it: the staff capability's actor, with its organization for isolation. */
export interface StaffActor {
  type: "staff";
  id: string;
  role: string;
  orgId: string;
}

export interface MarkVerifiedInput {
  subjectId: string;
  /** How the person was verified, e.g. "Called back on the number in the chat account". Never a document copy. */
  note: string;
}

export const VERIFY_NOTE_MAX = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Records that staff verified a requester by other means (GDPR Art. 12(6)): the time and a short
 * note, never a copy of an identity document. Sessions that later prove this subject carry the
 * assurance "staff_verified". Runs in the caller's transaction, with its audit entry.
 * Authorization (who may do this) is the calling route's authorize() check.
 */
export async function markRequesterVerified(
  ctx: AppContext,
  tx: Tx,
  staffActor: StaffActor,
  input: MarkVerifiedInput,
): Promise<{ subjectId: string; staffVerifiedAt: Date }> {
  if (!UUID.test(input.subjectId)) throw new NotFoundError("subject");
  const note = input.note.trim();
  if (!note) throw new ValidationError({ note: "identity.staffVerify.noteRequired" });
  if (note.length > VERIFY_NOTE_MAX) throw new ValidationError({ note: "platform.errors.tooLong" });
  const now = ctx.clock.now();
  const [owned] = await tx.select({ id: subjects.id }).from(subjects).where(and(eq(subjects.id, input.subjectId), eq(subjects.orgId, staffActor.orgId)));
  // The note may be personal: sealed under the subject's key like the rest of the profile.
  const row = owned ? await updateSubject(tx, ctx.keys, owned.id, { staffVerifiedAt: now, staffVerifiedNote: note }) : undefined;
  if (!row) throw new NotFoundError("subject");
  await appendAudit(tx, ctx, {
    orgId: staffActor.orgId,
    actor: { type: "staff", id: staffActor.id, role: staffActor.role },
    action: identityActions.staffVerified,
    target: { type: "subject", id: row.id },
    subjectId: row.id,
    // The note may be personal; the audit records that one was given and its length only.
    details: { noteLength: note.length, documentStored: false },
  });
  return { subjectId: row.id, staffVerifiedAt: now };
}
