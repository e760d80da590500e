/**
 * Rectification (Art. 16): corrected profile fields are applied (old and new values go to the
 * audit log only, never to a notice); for a transcript, history is not rewritten — the
 * requester's statement is attached to each chosen conversation, sealed like its messages.
 */
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { subjectByEmail, updateSubject, type SubjectPatch } from "../chats/subject-store.js";
import { addStatement } from "../chats/conversation-store.js";
import { normalizeEmail } from "../identity/email-address.js";
import { rectifiableFields } from "../requests/schema.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "../requests/change-status.js";
import { lockSubject, type SubjectRow } from "./db-util.js";
import { stepDone, type FulfilmentOptions } from "./faults.js";
import { sendCompletionNotice } from "./notices.js";
import { createRecipientTasks } from "./recipient-tasks.js";
import type { FulfilmentResult } from "../requests/result.js";
import { lockConversationsInScope } from "./scope.js";
import { openRequest } from "../requests/request-texts.js";

type Field = (typeof rectifiableFields)[number];
const isField = (x: unknown): x is Field => typeof x === "string" && (rectifiableFields as readonly string[]).includes(x);

export async function carryOutRectification(tx: Tx, ctx: AppContext, actor: Actor, org: Organization, r: RequestRow, opts?: FulfilmentOptions): Promise<Pick<FulfilmentResult, "rectification" | "recipients">> {
  const details = (await openRequest(tx, ctx.keys, r)).given as { field?: unknown; value?: unknown; statement?: unknown };
  let subject = await lockSubject(tx, ctx.keys, r.subjectId);
  const fields: Field[] = [];
  const conversationIds: string[] = [];
  const platformConversationIds: string[] = [];
  let skippedErased = 0;
  if (r.scope === "profile") {
    if (!subject || !isField(details.field) || typeof details.value !== "string" || !details.value.trim()) throw new ValidationError({ _form: "fulfilment.errors.nothingToRectify" });
    subject = await correctProfileField(tx, ctx, actor, r, subject, details.field, details.value.trim());
    fields.push(details.field);
  } else {
    if (typeof details.statement !== "string" || !details.statement.trim()) throw new ValidationError({ _form: "fulfilment.errors.nothingToRectify" });
    for (const conv of await lockConversationsInScope(tx, r)) {
      if (conv.erasedAt || !conv.dataKeyId) {
        skippedErased += 1;
        continue;
      }
      await addStatement(tx, ctx.keys, conv, details.statement.trim(), r.id);
      conversationIds.push(conv.id);
      if (conv.externalId) platformConversationIds.push(conv.externalId);
    }
  }
  stepDone(opts, "statements");
  const recipients = await createRecipientTasks(tx, ctx, r, "rectification", { subject: subject?.externalId ?? null, conversations: platformConversationIds, fields });
  stepDone(opts, "recipients");
  await sendCompletionNotice(tx, ctx, org, actor, r, { kind: "rectification", fields, statements: conversationIds.length, recipients: recipients.map((x) => x.name) }, subject?.email ?? null);
  stepDone(opts, "notice");
  await appendAudit(tx, ctx, {
    orgId: r.orgId, actor, action: "fulfilment.rectification_carried_out", target: { type: "request", id: r.id }, subjectId: r.subjectId,
    details: { reference: r.reference, fields, statements: conversationIds.length, conversations: conversationIds, skippedErased },
  });
  return { rectification: { fields, statements: conversationIds.length, conversationIds, skippedErased }, recipients };
}

/** Applies one corrected field; the old and the new value are kept in the audit entry only. */
async function correctProfileField(tx: Tx, ctx: AppContext, actor: Actor, r: RequestRow, s: SubjectRow, field: Field, value: string): Promise<SubjectRow> {
  let set: SubjectPatch;
  if (field === "email") {
    const email = normalizeEmail(value);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ValidationError({ _form: "fulfilment.errors.badEmail" });
    const taken = await subjectByEmail(tx, ctx.keys, s.orgId, email);
    if (taken && taken.id !== s.id) throw new ValidationError({ _form: "fulfilment.errors.emailTaken" });
    // The new address has not been proved yet: the next e-mail code sign-in proves it.
    set = { email, emailVerifiedAt: email === s.email ? s.emailVerifiedAt : null };
  } else {
    set = { displayName: value.slice(0, 200) };
  }
  const updated = await updateSubject(tx, ctx.keys, s.id, set);
  // The values themselves are sealed under the subject's key: unreadable once they are erased.
  await appendAudit(tx, ctx, {
    orgId: s.orgId, actor, action: "subject.rectified", target: { type: "subject", id: s.id }, subjectId: s.id,
    details: { reference: r.reference, field },
    personal: { old: s[field] ?? null, new: updated![field] ?? null },
  });
  return updated!;
}
