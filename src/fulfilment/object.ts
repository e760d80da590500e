/**
 * Objection to research use (Art. 21(6)) and withdrawal of consent: flags that every research
 * export honours through research.ts. A person known only by a receipt code objects for the one
 * conversation they proved.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { conversations, subjects } from "../db/schema/index.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "../requests/change-status.js";
import { lockSubject } from "./db-util.js";
import { stepDone, type FulfilmentOptions } from "./faults.js";
import { sendCompletionNotice } from "./notices.js";
import type { FulfilmentResult } from "../requests/result.js";
import { lockConversationsInScope } from "./scope.js";
import { createRecipientTasks } from "./recipient-tasks.js";

export async function carryOutObjection(tx: Tx, ctx: AppContext, actor: Actor, org: Organization, r: RequestRow, opts?: FulfilmentOptions): Promise<Pick<FulfilmentResult, "objection">> {
  const now = ctx.clock.now();
  const subject = await lockSubject(tx, ctx.keys, r.subjectId);
  const withdraw = r.type === "withdraw_consent";
  // The whole person when they have a profile and asked for everything; else the conversations.
  const wholeSubject = !!subject && (withdraw || r.scope === "all_conversations");
  let subjectFlag: "research_objection" | "consent_withdrawn" | null = null;
  let ids: string[] = [];
  if (wholeSubject) {
    subjectFlag = withdraw ? "consent_withdrawn" : "research_objection";
    await tx.update(subjects).set(withdraw ? { consentWithdrawnAt: subject.consentWithdrawnAt ?? now } : { researchObjectionAt: subject.researchObjectionAt ?? now }).where(eq(subjects.id, subject.id));
  } else {
    ids = (await lockConversationsInScope(tx, r)).filter((c) => !c.erasedAt).map((c) => c.id);
    if (ids.length) await tx.update(conversations).set({ researchObjectionAt: now }).where(and(inArray(conversations.id, ids), isNull(conversations.researchObjectionAt)));
  }
  stepDone(opts, "flags");
  // Art. 21(6) leaves Rightsdesk: the chat platform and research partners learn of it (platform ids only).
  const covered = wholeSubject
    ? await tx.select({ externalId: conversations.externalId }).from(conversations).where(and(eq(conversations.subjectId, subject.id), isNull(conversations.erasedAt)))
    : ids.length ? await tx.select({ externalId: conversations.externalId }).from(conversations).where(inArray(conversations.id, ids)) : [];
  const notified = await createRecipientTasks(tx, ctx, r, withdraw ? "consent_withdrawn" : "research_objection", {
    subject: wholeSubject ? subject.externalId ?? null : null,
    conversations: covered.map((c) => c.externalId).filter((x): x is string => !!x),
  });
  await sendCompletionNotice(tx, ctx, org, actor, r, { kind: withdraw ? "withdraw_consent" : "objection", conversations: ids.length, subjectFlag: wholeSubject, recipients: notified.map((n) => n.name) }, subject?.email ?? null);
  stepDone(opts, "notice");
  await appendAudit(tx, ctx, {
    orgId: r.orgId, actor, action: withdraw ? "fulfilment.consent_withdrawn" : "fulfilment.objection_carried_out", target: { type: "request", id: r.id }, subjectId: r.subjectId,
    details: { reference: r.reference, subjectFlag, conversations: ids },
  });
  return { objection: { subjectFlag, conversationIds: ids } };
}
