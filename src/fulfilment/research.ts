/**
 * The one rule every research or statistics export must use: a conversation is eligible only
 * while it is not erased (and still has its key), not restricted (Art. 18), not objected to
 * (Art. 21(6)), and its person has neither restricted, objected nor withdrawn consent.
 */
import { and, asc, eq, isNotNull, isNull, type SQL } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { conversations, subjects } from "../db/schema/index.js";

/** The predicate, for queries over `conversations LEFT JOIN subjects ON subjects.id = conversations.subject_id`. */
export function researchEligible(): SQL {
  return and(
    isNull(conversations.erasedAt),
    isNotNull(conversations.dataKeyId),
    isNull(conversations.restrictedAt),
    isNull(conversations.researchObjectionAt),
    isNull(subjects.restrictedAt),
    isNull(subjects.researchObjectionAt),
    isNull(subjects.consentWithdrawnAt),
  )!;
}

/** The organization's conversations a research export may use: metadata only, content is read per id. */
export async function researchEligibleConversations(db: Executor, orgId: string) {
  return db
    .select({ id: conversations.id, startedAt: conversations.startedAt, endedAt: conversations.endedAt, topic: conversations.topic, language: conversations.language, messageCount: conversations.messageCount })
    .from(conversations)
    .leftJoin(subjects, eq(subjects.id, conversations.subjectId))
    .where(and(eq(conversations.orgId, orgId), researchEligible()))
    .orderBy(asc(conversations.startedAt), asc(conversations.id));
}
