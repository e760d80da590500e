/**
 * Erasure (Art. 17), carried out in the fulfilment's one transaction: for each conversation in
 * scope that is not under legal hold, messages, notes and statements are deleted, the IP address
 * is cleared and the data key destroyed (crypto-shredding: any copy of a ciphertext, e.g. in a
 * backup, can no longer be opened); the conversation row stays as a tombstone holding only its
 * date, its topic and the request reference. The profile follows when the scope covers it.
 */
import { and, count, eq, inArray, isNotNull, isNull, ne, or, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { auditLog, complaints, conversations, dataKeys, eidIdentities, exports, outbox, passwordResets, requestMessages, requests, sessions, subjectKeys, subjects, verificationCodes } from "../db/schema/index.js";
import type { Conversation } from "../chats/conversation-store.js";
import { recordIngestTombstone } from "../chats/ingest-tombstones.js";
import { emailHash } from "../identity/email-address.js";
import { erasedReceiptIndex } from "../identity/erasure-outcome-link.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "../requests/change-status.js";
import { closedStatuses } from "../requests/lifecycle.js";
import { countOf, deleteWhereIn, lockSubject, type SubjectRow } from "./db-util.js";
import { stepDone, type FulfilmentOptions } from "./faults.js";
import { sendCompletionNotice } from "./notices.js";
import { createRecipientTasks } from "./recipient-tasks.js";
import type { ErasureCounts, FulfilmentResult, KeptConversation } from "../requests/result.js";
import { coversProfile, lockConversationsInScope } from "./scope.js";

export const COMPLETION_NOTICE_TEMPLATE = "fulfilment_completed";

export interface ErasureOutcome {
  result: Pick<FulfilmentResult, "erasure" | "kept" | "recipients">;
  /** Export files to delete once the transaction has committed. */
  filesToDelete: string[];
}

export async function carryOutErasure(tx: Tx, ctx: AppContext, actor: Actor, org: Organization, r: RequestRow, opts?: FulfilmentOptions): Promise<ErasureOutcome> {
  const inScope = (await lockConversationsInScope(tx, r)).filter((c) => !c.erasedAt);
  const held = inScope.filter((c) => c.legalHoldAt);
  const toErase = inScope.filter((c) => !c.legalHoldAt);
  const subject = await lockSubject(tx, ctx.keys, r.subjectId);
  const profile = coversProfile(r) ? subject : undefined;
  // Recipients find the records by the platform's ids, read before the tombstones drop them.
  const platformIds = { subject: profile?.externalId ?? null, conversations: toErase.map((c) => c.externalId).filter((x): x is string => !!x) };

  const counts = await shredConversations(tx, ctx, r, toErase);
  stepDone(opts, "conversations");
  const recipients = await createRecipientTasks(tx, ctx, r, "erasure", platformIds);
  stepDone(opts, "recipients");
  const kept: KeptConversation[] = held.map((c) => ({ conversationId: c.id, startedAt: c.startedAt.toISOString(), reason: c.legalHoldReason ?? "other" }));
  // The address is read in this transaction, and the mail queued before the profile is deleted.
  await sendCompletionNotice(tx, ctx, org, actor, r, {
    kind: "erasure", conversationsErased: counts.conversations, messagesErased: counts.messages, profileErased: !!profile, kept, recipients: recipients.map((x) => x.name),
  }, subject?.email ?? null);
  stepDone(opts, "notice");
  const expired = await expireExportsOf(tx, ctx, r, profile?.id ?? null, toErase.map((c) => c.id));
  stepDone(opts, "exports");
  const shredded = {
    conversation_keys: toErase.filter((c) => c.dataKeyId).length,
    ...(await shredPersonKeys(tx, r, profile, toErase.map((c) => c.id))),
    export_keys: expired.count,
    exports_cancelled: expired.cancelled,
  };
  if (profile) counts.profile = await eraseProfile(tx, ctx, r, profile, toErase.map((c) => c.id));
  else await endConversationSessions(tx, toErase.map((c) => c.id));
  stepDone(opts, "profile");

  await appendAudit(tx, ctx, {
    orgId: r.orgId, actor, action: "fulfilment.erasure_carried_out", target: { type: "request", id: r.id }, subjectId: r.subjectId,
    details: { reference: r.reference, counts, shredded, tombstones: toErase.map((c) => c.id), kept: kept.map((k) => ({ conversationId: k.conversationId, reason: k.reason })), exportsExpired: expired.count, approvedBy: r.erasureApprovedBy, confirmedBy: r.erasureConfirmedBy },
  });
  return {
    result: {
      erasure: { counts, shredded, tombstones: toErase.map((c) => c.id), kept, approvedBy: r.erasureApprovedBy, confirmedBy: r.erasureConfirmedBy, exportsExpired: expired.count },
      kept,
      recipients,
    },
    filesToDelete: expired.files,
  };
}

/** Deletes content, destroys keys and leaves tombstones (date, topic, request reference). */
async function shredConversations(tx: Tx, ctx: AppContext, r: RequestRow, convs: Conversation[]): Promise<ErasureCounts> {
  const ids = convs.map((c) => c.id);
  const counts: ErasureCounts = { messages: 0, notes: 0, statements: 0, conversations: ids.length, profile: 0 };
  if (ids.length === 0) return counts;
  counts.messages = await deleteWhereIn(tx, "messages", "conversation_id", ids);
  counts.notes = await deleteWhereIn(tx, "notes", "conversation_id", ids);
  counts.statements = await deleteWhereIn(tx, "conversation_statements", "conversation_id", ids);
  // A replayed or late platform delivery must not bring an erased conversation back.
  for (const c of convs) await recordIngestTombstone(tx, ctx.keys, r.orgId, "conversation", c.externalId);
  const keyIds = convs.map((c) => c.dataKeyId).filter((x): x is string => !!x);
  await keepReceiptLookups(tx, ctx, convs);
  await tx.update(conversations).set({
    erasedAt: ctx.clock.now(), erasedByReference: r.reference,
    externalId: null, receiptCodeHash: null, subjectId: null, ipEnc: null, ipTruncatedAt: null, endedAt: null, language: null,
    messageCount: 0, dataKeyId: null, restrictedAt: null, researchObjectionAt: null,
  }).where(inArray(conversations.id, ids));
  if (keyIds.length) await tx.delete(dataKeys).where(inArray(dataKeys.id, keyIds));
  return counts;
}

/** The receipt code leads to the outcome later (issue 18): only a blind index of its hash stays. */
async function keepReceiptLookups(tx: Tx, ctx: AppContext, convs: Conversation[]): Promise<void> {
  for (const c of convs) {
    if (c.receiptCodeHash) await tx.update(conversations).set({ erasedReceiptIndex: erasedReceiptIndex(ctx.keys, c.receiptCodeHash) }).where(eq(conversations.id, c.id));
  }
}

/**
 * Destroys the person's data keys: the subject's own (when the profile goes) and the keys of
 * complaints a receipt-code requester made about the erased conversations. What was sealed under
 * them — profile fields, complaint texts and answers, personal audit details — can never be read
 * again, in the live tables, dead tuples, WAL or backups. Returns the counts by kind, for the proof.
 */
async function shredPersonKeys(tx: Tx, r: RequestRow, profile: SubjectRow | undefined, conversationIds: string[]): Promise<Record<string, number>> {
  const keyIds: string[] = [];
  if (profile) keyIds.push(...(await tx.select({ id: subjectKeys.id }).from(subjectKeys).where(eq(subjectKeys.subjectId, profile.id))).map((k) => k.id));
  if (conversationIds.length) {
    const receiptRequests = tx.select({ id: requests.id }).from(requests)
      .where(and(eq(requests.orgId, r.orgId), sql`${requests.receiptConversationId} = any(${sql.param(conversationIds)}::uuid[])`));
    const detached = await tx.select({ id: complaints.subjectKeyId }).from(complaints).where(inArray(complaints.requestId, receiptRequests));
    keyIds.push(...detached.map((k) => k.id).filter((x): x is string => !!x));
    // The requests' own keys: their details, reasons and thread (a subject's requests use the subject's key, above).
    const requestKeys = await tx.select({ id: requests.subjectKeyId }).from(requests).where(and(inArray(requests.id, receiptRequests), isNull(requests.subjectId)));
    keyIds.push(...requestKeys.map((k) => k.id).filter((x): x is string => !!x));
  }
  const eid = profile ? await shredEidIdentities(tx, profile.id) : 0;
  const ids = [...new Set(keyIds)];
  if (ids.length === 0) return { subject_keys: 0, eid_identities: eid };
  const profileFields = profile ? [profile.email, profile.displayName, profile.externalId, profile.staffVerifiedNote].filter((v) => v !== null).length : 0;
  const [complaintTexts] = await tx.select({ n: count() }).from(complaints).where(inArray(complaints.subjectKeyId, ids));
  const [requestTexts] = await tx.select({ n: count() }).from(requests).where(inArray(requests.subjectKeyId, ids));
  const [threadMessages] = await tx.select({ n: count() }).from(requestMessages).where(inArray(requestMessages.requestId, tx.select({ id: requests.id }).from(requests).where(inArray(requests.subjectKeyId, ids))));
  const [auditDetails] = profile ? await tx.select({ n: count() }).from(auditLog).where(and(eq(auditLog.subjectId, profile.id), isNotNull(auditLog.detailsEnc))) : [{ n: 0 }];
  const mail = await cancelMailUnder(tx, ids);
  await tx.delete(subjectKeys).where(inArray(subjectKeys.id, ids));
  return { ...mail, subject_keys: ids.length, eid_identities: eid, profile_fields: profileFields, complaint_texts: Number(complaintTexts?.n ?? 0), request_texts: Number(requestTexts?.n ?? 0), request_messages: Number(threadMessages?.n ?? 0), audit_details: Number(auditDetails?.n ?? 0) };
}

/**
 * The person's strong-eID identities go with the profile: the blind index of their national
 * identifier, and the name from the provider with the data key it is sealed under.
 */
async function shredEidIdentities(tx: Tx, subjectId: string): Promise<number> {
  const gone = await tx.delete(eidIdentities).where(eq(eidIdentities.subjectId, subjectId)).returning({ dataKeyId: eidIdentities.dataKeyId });
  const keyIds = gone.map((g) => g.dataKeyId).filter((id): id is string => !!id);
  if (keyIds.length) await tx.delete(dataKeys).where(inArray(dataKeys.id, keyIds));
  return gone.length;
}

/** Receipt-code sessions of erased conversations end with them (the code itself is gone). */
async function endConversationSessions(tx: Tx, conversationIds: string[]): Promise<void> {
  if (conversationIds.length) await tx.delete(sessions).where(inArray(sessions.conversationId, conversationIds));
}

/**
 * Deletes the subject's profile and what hangs on it: sessions, reset tokens, sign-in codes, the
 * address in queued or sent mail (except the completion notice, which still has to go out; a job
 * clears it after delivery) and the free text of the person's closed requests. The request rows
 * themselves stay, as the record of what was asked and done.
 */
async function eraseProfile(tx: Tx, ctx: AppContext, r: RequestRow, s: SubjectRow, conversationIds: string[]): Promise<number> {
  await recordIngestTombstone(tx, ctx.keys, s.orgId, "subject", s.externalId);
  const sameAddress = s.email ? and(eq(sessions.orgId, s.orgId), eq(sessions.email, s.email)) : undefined;
  await tx.delete(sessions).where(or(eq(sessions.subjectId, s.id), sameAddress, conversationIds.length ? inArray(sessions.conversationId, conversationIds) : undefined));
  await tx.delete(passwordResets).where(eq(passwordResets.subjectId, s.id));
  if (s.email) {
    await tx.delete(verificationCodes).where(and(eq(verificationCodes.orgId, s.orgId), eq(verificationCodes.emailHash, emailHash(ctx.keys, s.email))));
  }
  await tx.update(requests).set({ details: {} })
    .where(and(eq(requests.subjectId, s.id), or(eq(requests.id, r.id), inArray(requests.status, [...closedStatuses]))));
  return countOf(tx, sql`with d as (delete from ${subjects} where ${subjects.id} = ${s.id} returning 1) select count(*) as n from d`);
}

/**
 * Mail to the person still waiting (or failed) is cancelled before their keys go; mail already
 * sent is shredded with the keys (its key reference is set null). The completion notice is sealed
 * under a key of its own row, so it still goes out; a job destroys that key once it is delivered.
 */
async function cancelMailUnder(tx: Tx, keyIds: string[]): Promise<{ outbox_cancelled: number; outbox_shredded: number }> {
  const cancelled = await tx.delete(outbox).where(and(inArray(outbox.subjectKeyId, keyIds), inArray(outbox.status, ["pending", "failed"]))).returning({ id: outbox.id });
  const [shredded] = await tx.select({ n: count() }).from(outbox).where(inArray(outbox.subjectKeyId, keyIds));
  return { outbox_cancelled: cancelled.length, outbox_shredded: Number(shredded?.n ?? 0) };
}

/**
 * Packages that hold erased data: a ready one stops being served — marked expired (the row keeps
 * its hashes for /verify), its file key destroyed, which shreds the encrypted file wherever a
 * copy went, and the file deleted after commit. One still pending, building or failed is
 * cancelled (expired, never built): its build job finds nothing to claim, or loses the guarded
 * "ready" update and removes its file, and no key of it was ever stored.
 */
async function expireExportsOf(tx: Tx, ctx: AppContext, r: RequestRow, subjectId: string | null, conversationIds: string[]): Promise<{ count: number; cancelled: number; files: string[] }> {
  if (!subjectId && conversationIds.length === 0) return { count: 0, cancelled: 0, files: [] };
  const ids = sql.param(conversationIds);
  const affected = or(
    subjectId ? eq(requests.subjectId, subjectId) : undefined,
    conversationIds.length ? sql`${requests.receiptConversationId} = any(${ids}::uuid[])` : undefined,
    conversationIds.length ? sql`${requests.conversationIds} && ${ids}::uuid[]` : undefined,
  );
  const ofAffected = and(eq(exports.orgId, r.orgId), isNotNull(exports.requestId),
    inArray(exports.requestId, tx.select({ id: requests.id }).from(requests).where(and(eq(requests.orgId, r.orgId), affected))));
  const rows = await tx.update(exports).set({ status: "expired", fileKeyWrapped: null })
    .where(and(ofAffected, eq(exports.status, "ready")))
    .returning({ id: exports.id, kind: exports.kind, path: exports.path });
  for (const e of rows) {
    await appendAudit(tx, ctx, { orgId: r.orgId, actor: { type: "system" }, action: "export.expired", target: { type: "export", id: e.id }, details: { kind: e.kind, reason: "erased", reference: r.reference } });
  }
  const cancelled = await tx.update(exports).set({ status: "expired", error: "cancelled_erased", fileKeyWrapped: null })
    .where(and(ofAffected, inArray(exports.status, ["pending", "building", "failed"])))
    .returning({ id: exports.id, kind: exports.kind });
  for (const e of cancelled) {
    await appendAudit(tx, ctx, { orgId: r.orgId, actor: { type: "system" }, action: "export.cancelled", target: { type: "export", id: e.id }, details: { kind: e.kind, reason: "erased", reference: r.reference } });
  }
  return { count: rows.length, cancelled: cancelled.length, files: rows.map((e) => e.path).filter((p): p is string => !!p) };
}
