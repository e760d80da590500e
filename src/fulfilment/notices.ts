import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { insertRequestMessage } from "../requests/request-texts.js";
import { authorityFor } from "../requests/authorities.js";
import { erasureOutcomePath } from "../identity/erasure-outcome-link.js";
import { queueMail } from "../mail/queue-mail.js";
import type { MailTemplates } from "../mail/templates.js";
import type { Actor } from "../platform/audit.js";
import { isLocale, translator } from "../platform/i18n.js";
import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "../requests/change-status.js";
import { localDate } from "../requests/deadlines.js";
import type { KeptConversation } from "../requests/result.js";
import { recordNotice } from "../requests/requester-notices.js";

/** dedupeKey prefix of the completion notice of an erasure that deleted the profile. */
export const ERASED_PROFILE_NOTICE = "erasure-notice";

export type NoticeKind = MailTemplates["fulfilment_completed"]["kind"];

/** What the requester is told when a fulfilment is done: counts, reasons and names only, never content. */
export interface CompletionSummary {
  kind: NoticeKind;
  conversationsErased?: number;
  messagesErased?: number;
  profileErased?: boolean;
  kept?: KeptConversation[];
  recipients?: string[];
  fields?: string[];
  statements?: number;
  conversations?: number;
  subjectFlag?: boolean;
}

const requesterT = (r: Pick<RequestRow, "locale">) => translator(isLocale(r.locale) ? r.locale : "en");
const requestUrl = (ctx: AppContext, r: RequestRow) => `${ctx.config.BASE_URL}/requests/${r.reference}`;

function authority(org: Pick<Organization, "authorityCountry">) {
  try {
    const a = authorityFor(org.authorityCountry);
    return { authorityName: a.nameLocal, authorityUrl: a.complaintUrl };
  } catch {
    return { authorityName: "", authorityUrl: "" };
  }
}

/** The answer in the requester's language, posted to the request's thread. */
export function completionText(r: RequestRow, s: CompletionSummary, timeZone: string): string {
  const t = requesterT(r);
  const lines = [t(`fulfilment.notice.intro.${s.kind}`, { reference: r.reference })];
  if (s.kind === "erasure") {
    lines.push(t("fulfilment.notice.erased", { conversations: s.conversationsErased ?? 0, messages: s.messagesErased ?? 0 }));
    if (s.profileErased) lines.push(t("fulfilment.notice.profileErased"));
  }
  if (s.kind === "rectification") {
    for (const f of s.fields ?? []) lines.push(t("fulfilment.notice.fieldCorrected", { field: t(`fulfilment.yourFields.${f}`) }));
    if (s.statements) lines.push(t("fulfilment.notice.statementAdded", { count: s.statements }));
  }
  if ((s.kind === "restriction" || s.kind === "objection") && s.conversations) lines.push(t("fulfilment.notice.conversationsCovered", { count: s.conversations }));
  for (const k of s.kept ?? []) lines.push(t(`fulfilment.notice.kept.${k.reason}`, { date: localDate(new Date(k.startedAt), timeZone) }));
  if ((s.kept ?? []).length) lines.push(t("fulfilment.notice.keptLaw"));
  if ((s.recipients ?? []).length) lines.push(t("fulfilment.notice.recipients", { names: s.recipients!.join(", ") }));
  return lines.join("\n\n");
}

/**
 * Posts the answer to the thread and queues the completion mail (counts and reasons only) in the
 * caller's transaction. The address is passed in: for an erasure it is read before the profile
 * is deleted, in the same transaction.
 */
export async function sendCompletionNotice(tx: Tx, ctx: AppContext, org: Organization, actor: Actor, r: RequestRow, s: CompletionSummary, email: string | null): Promise<void> {
  const now = ctx.clock.now();
  await insertRequestMessage(tx, ctx.keys, r, { authorType: "staff", authorId: actor.type === "staff" ? actor.id ?? null : null, body: completionText(r, s, org.timeZone), createdAt: now });
  await recordNotice(tx, now, r.id, "completed", { mailed: !!email });
  if (!email) return;
  const kept = s.kept ?? [];
  const byReason = (reason: string) => kept.filter((k) => k.reason === reason).length;
  await queueMail(tx, ctx, {
    orgId: org.id, to: email, template: "fulfilment_completed", locale: r.locale, requestId: r.id,
    // The profile's key goes in this very transaction: the final notice is sealed under its row's own key instead.
    subjectId: s.profileErased ? null : r.subjectId,
    // The marker lets a job clear the address once delivered when the profile no longer exists.
    dedupeKey: `${s.profileErased ? ERASED_PROFILE_NOTICE : "fulfilment-completed"}:${r.id}`,
    data: {
      reference: r.reference, orgName: org.name, kind: s.kind,
      // After the account is erased there is no page to sign in to: the mail and its signed link
      // to the outcome page (non-personal facts only) are the whole answer.
      ...(s.profileErased ? { outcomeUrl: `${ctx.config.BASE_URL}${erasureOutcomePath(ctx.keys, org.id, r.reference)}` } : { requestUrl: requestUrl(ctx, r) }),
      ...(s.kind === "erasure" ? { conversationsErased: s.conversationsErased ?? 0, profileErased: s.profileErased ? "yes" : "no" } : {}),
      ...(kept.length ? { keptChildProtection: byReason("child_protection_report"), keptPoliceReport: byReason("police_report"), ...authority(org) } : {}),
      ...((s.recipients ?? []).length ? { recipients: s.recipients!.length } : {}),
    },
  });
}

/** Art. 18(3): the requester is told before a restriction is lifted. */
export async function sendLiftNotice(tx: Tx, ctx: AppContext, org: Organization, actor: Actor, r: RequestRow, email: string | null): Promise<void> {
  const t = requesterT(r);
  await insertRequestMessage(tx, ctx.keys, r, {
    authorType: "staff", authorId: actor.type === "staff" ? actor.id ?? null : null,
    body: [t("fulfilment.notice.liftPlanned", { reference: r.reference }), t("fulfilment.notice.liftMeaning")].join("\n\n"), createdAt: ctx.clock.now(),
  });
  await recordNotice(tx, ctx.clock.now(), r.id, "message", { mailed: !!email });
  if (!email) return;
  await queueMail(tx, ctx, {
    orgId: org.id, to: email, subjectId: r.subjectId, template: "restriction_lift_notice", locale: r.locale, requestId: r.id,
    dedupeKey: `restriction-lift-notice:${r.id}`,
    data: { reference: r.reference, orgName: org.name, requestUrl: requestUrl(ctx, r) },
  });
}
