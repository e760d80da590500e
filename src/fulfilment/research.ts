/**
 * The one rule every research or statistics export must use: a conversation is eligible only
 * while it is not erased (and still has its key), not restricted (Art. 18), not objected to
 * (Art. 21(6)), not under legal hold (kept for a police or child-protection matter, not for
 * study), within the organization's retention period for conversations, and its person has
 * neither restricted, objected nor withdrawn consent.
 */
import { and, asc, eq, gt, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { conversations, retentionPolicies, subjects } from "../db/schema/index.js";

const DAY_MS = 86_400_000;

/** The predicate, for queries over `conversations LEFT JOIN subjects ON subjects.id = conversations.subject_id`. */
export function researchEligible(): SQL {
  return and(
    isNull(conversations.erasedAt),
    isNotNull(conversations.dataKeyId),
    isNull(conversations.restrictedAt),
    isNull(conversations.researchObjectionAt),
    isNull(conversations.legalHoldAt),
    isNull(subjects.restrictedAt),
    isNull(subjects.researchObjectionAt),
    isNull(subjects.consentWithdrawnAt),
  )!;
}

/**
 * Within retention: a conversation whose period under the "conversations" policy has ended is
 * waiting for the sweep, not available for study. For a "last activity" policy the chat's own
 * end counts (never later than the sweep's reading, so nothing the sweep would take is used).
 */
async function withinRetention(db: Executor, orgId: string, now: Date): Promise<SQL | undefined> {
  const [policy] = await db.select().from(retentionPolicies).where(and(eq(retentionPolicies.orgId, orgId), eq(retentionPolicies.category, "conversations")));
  if (!policy) return undefined;
  const cutoff = new Date(now.getTime() - policy.periodDays * DAY_MS);
  return policy.basis === "created"
    ? gt(conversations.startedAt, cutoff)
    : sql`coalesce(${conversations.endedAt}, ${conversations.startedAt}) > ${cutoff.toISOString()}::timestamptz`;
}

/** The organization's conversations a research export may use: metadata only, content is read per id. */
export async function researchEligibleConversations(db: Executor, orgId: string, now: Date = new Date()) {
  return db
    .select({ id: conversations.id, startedAt: conversations.startedAt, endedAt: conversations.endedAt, topic: conversations.topic, language: conversations.language, messageCount: conversations.messageCount })
    .from(conversations)
    .leftJoin(subjects, eq(subjects.id, conversations.subjectId))
    .where(and(eq(conversations.orgId, orgId), researchEligible(), await withinRetention(db, orgId, now)))
    .orderBy(asc(conversations.startedAt), asc(conversations.id));
}
