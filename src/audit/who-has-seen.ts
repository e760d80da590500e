import { and, desc, eq, inArray, or, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { auditLog, recipients, recipientTasks, requests } from "../db/schema/index.js";
import type { Requester } from "../identity/guards.js";

/** One time a staff member looked at or worked on the person's data: role and purpose, never a name. */
export interface StaffAccess {
  at: Date;
  role: string | null;
  /** What kind of access, for a plain-language label (see accessKind). */
  kind: AccessKind;
  purpose: string | null;
  /** A purpose the system states (a package review, a research disclosure): a catalog key and its values. */
  purposeKey?: { key: string; vars: Record<string, string> };
  reference: string | null;
}

export type AccessKind = "readChat" | "message" | "note" | "assigned" | "decision" | "export" | "erasure" | "research" | "other";

/** Who the data went to (e.g. the chat platform, told of an erasure), from the person's own requests. */
export interface RecipientShare {
  name: string;
  action: string;
  status: "pending" | "confirmed";
  at: Date;
  reference: string;
}

const ACCESS_LIMIT = 500;

export function accessKind(action: string): AccessKind {
  if (action === "conversation.viewed") return "readChat";
  if (action === "request.message_posted") return "message";
  if (action === "request.note_added") return "note";
  if (action === "request.assigned") return "assigned";
  if (action.startsWith("request.erasure") || action.startsWith("fulfilment.")) return "erasure";
  if (action.startsWith("export.") || action.startsWith("review.")) return "export";
  if (action === "research.excerpt_disclosed") return "research";
  if (action.startsWith("request.")) return "decision";
  return "other";
}

/** The person's requests: by their account, or by the one conversation a receipt code proved. */
function ownRequests(requester: Requester): SQL | undefined {
  const parts = [
    requester.subjectId ? eq(requests.subjectId, requester.subjectId) : undefined,
    requester.conversationId ? eq(requests.receiptConversationId, requester.conversationId) : undefined,
  ].filter((p): p is SQL => p !== undefined);
  return parts.length ? or(...parts) : undefined;
}

/**
 * "Who has seen my data": staff accesses recorded in the audit log about this person (or, for a
 * receipt-code requester, about their one conversation and the requests they made with it), and
 * the recipients their data was passed to.
 */
export async function whoHasSeenMyData(ctx: AppContext, orgId: string, requester: Requester): Promise<{ accesses: StaffAccess[]; recipients: RecipientShare[] }> {
  const owned = ownRequests(requester);
  const requestIds = owned
    ? (await ctx.db.select({ id: requests.id }).from(requests).where(and(eq(requests.orgId, orgId), owned))).map((r) => r.id)
    : [];
  const about = [
    requester.subjectId ? eq(auditLog.subjectId, requester.subjectId) : undefined,
    requester.conversationId ? and(eq(auditLog.targetType, "conversation"), eq(auditLog.targetId, requester.conversationId)) : undefined,
    requestIds.length ? and(eq(auditLog.targetType, "request"), inArray(auditLog.targetId, requestIds)) : undefined,
  ].filter((p): p is SQL => p !== undefined);
  const entries = about.length
    ? await ctx.db
        .select({ at: auditLog.at, role: auditLog.actorRole, action: auditLog.action, details: auditLog.details })
        .from(auditLog)
        .where(and(eq(auditLog.orgId, orgId), eq(auditLog.actorType, "staff"), or(...about)))
        .orderBy(desc(auditLog.seq))
        .limit(ACCESS_LIMIT)
    : [];
  const accesses = entries.map((e) => ({
    at: e.at,
    role: e.role,
    kind: accessKind(e.action),
    purpose: e.action === "conversation.viewed" && typeof e.details.purpose === "string" ? e.details.purpose : null,
    purposeKey: systemPurpose(e.action, e.details),
    reference: typeof e.details.reference === "string" ? e.details.reference : null,
  }));
  const shares = requestIds.length
    ? await ctx.db
        .select({ name: recipients.name, action: recipientTasks.action, status: recipientTasks.status, createdAt: recipientTasks.createdAt, confirmedAt: recipientTasks.confirmedAt, reference: requests.reference })
        .from(recipientTasks)
        .innerJoin(requests, eq(requests.id, recipientTasks.requestId))
        .innerJoin(recipients, and(eq(recipients.id, recipientTasks.recipientId), eq(recipients.orgId, orgId)))
        .where(inArray(recipientTasks.requestId, requestIds))
        .orderBy(desc(recipientTasks.createdAt))
    : [];
  return {
    accesses,
    recipients: shares.map((s) => ({ name: s.name, action: s.action, status: s.status, at: s.confirmedAt ?? s.createdAt, reference: s.reference })),
  };
}

/** The purposes the system records itself, shown in the requester's language. */
function systemPurpose(action: string, details: Record<string, unknown>): StaffAccess["purposeKey"] {
  if (action === "conversation.viewed" && details.purposeCode === "package_review") return { key: "audit.seen.purposes.package_review", vars: {} };
  if (action === "research.excerpt_disclosed") return { key: "audit.seen.purposes.research", vars: { recipient: String(details.recipient ?? "") } };
  return undefined;
}
