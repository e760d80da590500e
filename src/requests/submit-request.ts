import { emailOfSubject, insertSubjectIfFree, subjectByEmail } from "../chats/subject-store.js";
import type { KeyRing } from "../platform/crypto.js";
import { and, eq, inArray, isNull, notInArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { conversations, requests, subjects, type AssuranceLevel } from "../db/schema/index.js";
import type { Organization } from "../platform/http/types.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { canonicalJson } from "../platform/audit.js";
import { ValidationError, type FieldErrors } from "../platform/errors.js";
import { newReference } from "../platform/codes.js";
import { queueMail } from "../mail/queue-mail.js";
import { atLeast, type Requester } from "../identity/guards.js";
import { typesNeedingEid } from "../identity/oidc-config.js";
import { eidIdentities } from "../db/schema/index.js";
import { closedStatuses } from "./lifecycle.js";
import { dueDate } from "./deadlines.js";
import { recordEvent } from "./events.js";
import { scopesByType, type Draft } from "./schema.js";
import type { RequestRow } from "./change-status.js";
import { keyForNewRequest, sealDetails } from "./request-texts.js";

export type SubmitResult = { created: true; request: RequestRow } | { created: false; request: RequestRow };

/**
 * Files a request. The clock starts now (receipt through an official channel, EDPB 01/2022 §159).
 * An identical open request leads to the existing one instead of a second.
 */
export async function submitRequest(ctx: AppContext, org: Organization, requester: Requester, draft: Draft, locale: string): Promise<SubmitResult> {
  return ctx.db.transaction(async (tx) => {
    const subjectId = requester.subjectId ?? (requester.email ? await subjectForEmail(tx, ctx.keys, org.id, requester.email, locale) : null);
    const input = await validateDraft(tx, org, requester, subjectId, draft);
    const dedupeKey = fingerprint(ctx.keys, input);
    const existing = await findOpenDuplicate(tx, org.id, subjectId, requester.conversationId, dedupeKey);
    if (existing) return { created: false, request: existing };

    const now = ctx.clock.now();
    const due = dueDate(now, org.country, org.timeZone);
    const eid = await eidOfRequester(tx, org.id, requester);
    const key = await keyForNewRequest(tx, ctx.keys, org.id, subjectId);
    const [request] = await tx
      .insert(requests)
      .values({
        orgId: org.id, reference: newReference(), subjectId, receiptConversationId: requester.conversationId,
        type: input.type, scope: input.scope, conversationIds: input.conversationIds, subjectKeyId: key.id, detailsEnc: sealDetails(key, input.details as Record<string, unknown>),
        dedupeKey, status: "submitted", assurance: requester.assurance, locale, receivedAt: now, dueDate: due, effectiveDueDate: due,
        neededBy: input.neededBy ?? null,
        ...eid,
      })
      .returning();
    const actor: Actor = { type: "subject", id: subjectId };
    await recordEvent(tx, ctx.clock, request!.id, actor, { kind: "submitted", toStatus: "submitted" });
    await appendAudit(tx, ctx, {
      orgId: org.id, actor, action: "request.submitted", target: { type: "request", id: request!.id }, subjectId,
      details: { reference: request!.reference, type: input.type, scope: input.scope, conversations: input.conversationIds.length, assurance: requester.assurance, ...(eid.eidProvider ? { eidProvider: eid.eidProvider } : {}), ...(eid.signedInWith ? { signedInWith: eid.signedInWith } : {}) },
    });
    const email = requester.email ?? await emailOfSubject(tx, ctx.keys, subjectId);
    if (email) {
      await queueMail(tx, ctx, {
        orgId: org.id, to: email, subjectId: request!.subjectId, template: "request_received", locale, requestId: request!.id,
        dedupeKey: `request_received:${request!.id}`,
        data: { reference: request!.reference, dueDate: due, requestUrl: `${ctx.config.BASE_URL}/requests/${request!.reference}`, orgName: org.name },
      });
    }
    return { created: true, request: request! };
  });
}

/** What a request records of a strong eID sign-in: the identity, its provider, and the sign-in it stepped up from. */
async function eidOfRequester(tx: Tx, orgId: string, requester: Requester) {
  if (requester.assurance !== "strong_eid" || !requester.eidIdentityId) return { eidIdentityId: null, eidProvider: null, signedInWith: null };
  const [identity] = await tx.select({ provider: eidIdentities.provider }).from(eidIdentities).where(and(eq(eidIdentities.orgId, orgId), eq(eidIdentities.id, requester.eidIdentityId)));
  return { eidIdentityId: requester.eidIdentityId, eidProvider: identity?.provider ?? null, signedInWith: requester.steppedUpFrom ?? null };
}

/** People who proved an address but have no chat account become subjects known by that address. */
async function subjectForEmail(tx: Tx, keys: KeyRing, orgId: string, email: string, locale: string): Promise<string> {
  const found = await subjectByEmail(tx, keys, orgId, email);
  if (found) return found.id;
  const created = await insertSubjectIfFree(tx, keys, { orgId, email, locale });
  if (created) return created.id;
  return (await subjectByEmail(tx, keys, orgId, email))!.id;
}

/** Erasing or restricting a whole account history needs more than possession of one receipt code. */
export const minimumAssurance: Partial<Record<Draft["type"], AssuranceLevel>> = {
  erasure: "email",
  restriction: "email",
  rectification: "email",
};

/**
 * The organization's own minimum for a kind of request (settings: "requests that need more than a
 * receipt code"): the field error when this sign-in is not enough, else undefined.
 */
export function assuranceError(org: Pick<Organization, "minimumAssurance" | "eidConfig">, requester: Pick<Requester, "assurance">, type: Draft["type"]): string | undefined {
  const required = requiredAssurance(org, type);
  if (!required || atLeast(requester.assurance, required)) return undefined;
  if (required === "strong_eid") return ASSURANCE_EID_ERROR;
  return required === "account" ? "requests.errors.assuranceAccount" : "requests.errors.assuranceEmail";
}

/** The field error that offers the strong eID step (step-up) instead of signing out. */
export const ASSURANCE_EID_ERROR = "requests.errors.assuranceEid";

/** The weakest sign-in a type needs here: strong eID where the organization's eID settings name the type. */
export function requiredAssurance(org: Pick<Organization, "minimumAssurance" | "eidConfig">, type: Draft["type"]): AssuranceLevel | undefined {
  return typesNeedingEid(org).includes(type) ? "strong_eid" : org.minimumAssurance[type];
}

async function validateDraft(tx: Tx, org: Organization, requester: Requester, subjectId: string | null, draft: Draft): Promise<Draft> {
  const errors: FieldErrors = {};
  const tooLow = assuranceError(org, requester, draft.type);
  if (tooLow) errors.type = tooLow;
  if (!scopesByType[draft.type].includes(draft.scope)) errors.scope = "requests.errors.chooseScope";
  const receiptOnly = requester.conversationId !== null && !subjectId;
  if (receiptOnly && draft.scope !== "chosen_conversations" && draft.type !== "withdraw_consent") errors.scope = "requests.errors.receiptScope";
  if (draft.scope === "all_conversations" && minimumAssurance[draft.type] && !atLeast(requester.assurance, minimumAssurance[draft.type]!)) {
    errors.scope = "requests.errors.assuranceTooLow";
  }
  const conversationIds = draft.scope === "chosen_conversations" ? [...new Set(draft.conversationIds)] : [];
  if (draft.scope === "chosen_conversations") {
    if (conversationIds.length === 0) errors.conversationIds = "requests.errors.chooseConversation";
    else if (!(await ownsAll(tx, org.id, requester, subjectId, conversationIds))) errors.conversationIds = "requests.errors.unknownConversation";
  }
  const details = detailsFor(draft, errors, receiptOnly);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { ...draft, conversationIds, details };
}

function detailsFor(draft: Draft, errors: FieldErrors, receiptOnly: boolean): Draft["details"] {
  const d = draft.details;
  const note = d.note ? { note: d.note } : {};
  if (draft.type !== "rectification") return note;
  if (draft.scope === "profile" && receiptOnly) errors.scope = "requests.errors.receiptScope";
  Object.assign(errors, correctionErrors(draft.scope, d));
  return draft.scope === "profile" ? { field: d.field, value: d.value, ...note } : { statement: d.statement, ...note };
}

/**
 * What a correction lacks: for the profile, which field and its right value (an e-mail address
 * that looks like one); for chats, the requester's statement. Checked on the correction step and
 * again when the request is sent.
 */
export function correctionErrors(scope: Draft["scope"], d: Draft["details"]): FieldErrors {
  const errors: FieldErrors = {};
  if (scope === "profile") {
    if (!d.field) errors.field = "requests.errors.chooseField";
    if (!d.value) errors.value = "platform.errors.required";
    else if (d.field === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(d.value)) errors.value = "platform.errors.email";
  } else if (!d.statement) errors.statement = "platform.errors.required";
  return errors;
}

/** Every chosen conversation must be the requester's own and still exist. */
async function ownsAll(tx: Tx, orgId: string, requester: Requester, subjectId: string | null, ids: string[]): Promise<boolean> {
  const rows = await tx
    .select({ id: conversations.id, subjectId: conversations.subjectId })
    .from(conversations)
    .where(and(eq(conversations.orgId, orgId), inArray(conversations.id, ids), isNull(conversations.erasedAt)));
  if (rows.length !== ids.length) return false;
  return rows.every((c) => (subjectId !== null && c.subjectId === subjectId) || c.id === requester.conversationId);
}

/**
 * What makes two open requests the same, as a keyed hash (the blind-index key): the request's
 * text is sealed, and a plain hash of short text could be matched against guesses.
 */
function fingerprint(keys: KeyRing, d: Draft): string {
  return keys.blindIndex("request-dedupe", canonicalJson([d.type, d.scope, [...d.conversationIds].sort(), d.details]));
}

async function findOpenDuplicate(tx: Tx, orgId: string, subjectId: string | null, receiptConversationId: string | null, dedupeKey: string): Promise<RequestRow | undefined> {
  const owner = subjectId ? eq(requests.subjectId, subjectId) : receiptConversationId ? eq(requests.receiptConversationId, receiptConversationId) : undefined;
  if (!owner) return undefined;
  const [row] = await tx
    .select()
    .from(requests)
    .where(and(eq(requests.orgId, orgId), owner, eq(requests.dedupeKey, dedupeKey), notInArray(requests.status, [...closedStatuses])))
    .limit(1);
  return row;
}
