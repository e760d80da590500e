/**
 * The facts a complaint dossier states about one request, as plain JSON (the ZIP carries them as
 * they are; the PDF shows them in the requester's language). Only what the requester may see:
 * the events on their own timeline, the messages of their own thread, their complaints and our
 * answers. Never chat content, internal notes or staff names: staff appear by role only.
 */
import type { KeyRing } from "../platform/crypto.js";
import { openComplaints } from "./complaint-texts.js";
import { keyById } from "../platform/subject-keys.js";
import { openMessages, openTexts } from "../requests/request-texts.js";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { complaints, requestEvents, requestMessages, staffRoles, staffUsers } from "../db/schema/index.js";
import { isoWithOffset } from "../exports/time.js";
import type { OrganizationRow, RequestRow, Scope } from "../exports/package-data.js";
import { isOverdue, localDate } from "../requests/deadlines.js";
import { isOpen, type RequestStatus } from "../requests/lifecycle.js";
import { leadAuthority } from "../requests/authorities.js";

export const DOSSIER_FORMAT = "rightsdesk-dossier/1";

/** Who did something, by role: the requester, a staff role, the system or the chat platform. */
export type DossierActor = "requester" | "reviewer" | "dpo" | "admin" | "staff" | "system" | "api";

export interface DossierFacts {
  format: typeof DOSSIER_FORMAT;
  organization: { name: string; country: string; timeZone: string };
  request: {
    reference: string; type: string; scope: string; status: string; receivedAt: string;
    /** How the requester proved who they are (assurance level). */
    identityMethod: string;
    /** How many conversations the request covers (their content is not in the dossier). */
    conversationsInScope: number;
  };
  decision: { outcome: string | null; legalGround: string | null; reason: string | null; decidedAt: string | null };
  deadlines: {
    /** One month after receipt (Art. 12(3)), a local date. */
    legalDueDate: string;
    extension: { toldAt: string; toldWithinFirstMonth: boolean; extendedDueDate: string | null; reason: string | null } | null;
    /** Days the clock stood still while we waited for identity information we asked for. */
    pausedDays: number;
    /** The date that applied in the end: extension and pauses included. */
    effectiveDueDate: string;
    /** When we gave our final answer (completed or refused), if we did. */
    answeredAt: string | null;
    /** true: answered by the effective due date; false: late, or still open after it; null: still open and not late yet, or withdrawn. */
    met: boolean | null;
    overdueNow: boolean;
  };
  events: { at: string; kind: string; by: DossierActor; fromStatus: string | null; toStatus: string | null; note: string | null }[];
  messages: { at: string; from: "requester" | "staff"; role: DossierActor; body: string }[];
  complaints: {
    reference: string; grounds: string; receivedAt: string; dueDate: string; status: string; text: string;
    answer: string | null; answeredAt: string | null; answeredOnTime: boolean | null; escalatedAt: string | null;
  }[];
  supervisoryAuthority: { country: string; nameLocal: string; nameEnglish: string; website: string; complaintUrl: string; postalAddress: string[] } | null;
}

function staffRole(role: string | null | undefined): DossierActor {
  return (staffRoles as readonly string[]).includes(role ?? "") ? (role as DossierActor) : "staff";
}

/** An event's actor by role only (never a name). */
export function actorOf(type: string, role: string | null): DossierActor {
  if (type === "subject") return "requester";
  if (type === "staff") return staffRole(role);
  return type === "api" ? "api" : "system";
}

/** The moment we gave our final answer: the completion, or the refusal. */
function answeredAt(r: RequestRow): Date | null {
  if (r.status === "completed") return r.completedAt ?? r.decidedAt ?? null;
  if (r.status === "rejected") return r.decidedAt ?? null;
  return null;
}

export async function loadDossierFacts(db: Executor, keys: KeyRing, org: OrganizationRow, r: RequestRow, scope: Scope, now: Date): Promise<DossierFacts> {
  const tz = org.timeZone;
  const iso = (d: Date) => isoWithOffset(d, tz);
  const isoOrNull = (d: Date | null | undefined) => (d ? iso(d) : null);

  const events = await db
    .select()
    .from(requestEvents)
    .where(and(eq(requestEvents.requestId, r.id), eq(requestEvents.visibleToRequester, 1)))
    .orderBy(asc(requestEvents.at), asc(requestEvents.id));
  const key = await keyById(db, keys, r.subjectKeyId);
  const texts = openTexts(r, key);
  const messages = openMessages(key, await db.select().from(requestMessages).where(eq(requestMessages.requestId, r.id)).orderBy(asc(requestMessages.createdAt), asc(requestMessages.id)));
  const authorIds = [...new Set(messages.filter((m) => m.authorType === "staff" && m.authorId).map((m) => m.authorId!))];
  const roles = new Map(
    authorIds.length === 0
      ? []
      : (await db.select({ id: staffUsers.id, role: staffUsers.role }).from(staffUsers).where(and(eq(staffUsers.orgId, org.id), inArray(staffUsers.id, authorIds)))).map((s) => [s.id, s.role]),
  );
  const complaintRows = await openComplaints(db, keys, await db.select().from(complaints).where(and(eq(complaints.orgId, org.id), eq(complaints.requestId, r.id))).orderBy(asc(complaints.receivedAt)));

  const closed = answeredAt(r);
  const overdueNow = isOpen(r.status as RequestStatus) && isOverdue(now, r.effectiveDueDate, tz);
  const met = closed ? localDate(closed, tz) <= r.effectiveDueDate : overdueNow ? false : null;
  const authority = leadAuthority(org.authorityCountry);

  return {
    format: DOSSIER_FORMAT,
    organization: { name: org.name, country: org.country, timeZone: tz },
    request: {
      reference: r.reference, type: r.type, scope: r.scope, status: r.status, receivedAt: iso(r.receivedAt), identityMethod: r.assurance,
      conversationsInScope: scope.readable.length + scope.erased.length,
    },
    decision: { outcome: r.decision, legalGround: r.legalGround, reason: texts.decisionReason, decidedAt: isoOrNull(r.decidedAt) },
    deadlines: {
      legalDueDate: r.dueDate,
      extension: r.extendedAt
        ? { toldAt: iso(r.extendedAt), toldWithinFirstMonth: localDate(r.extendedAt, tz) <= r.dueDate, extendedDueDate: r.extendedDueDate, reason: texts.extensionReason }
        : null,
      pausedDays: r.pausedDays,
      effectiveDueDate: r.effectiveDueDate,
      answeredAt: isoOrNull(closed),
      met,
      overdueNow,
    },
    events: events.map((e) => ({ at: iso(e.at), kind: e.kind, by: actorOf(e.actorType, e.actorRole), fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note })),
    messages: messages.map((m) => ({
      at: iso(m.createdAt),
      from: m.authorType,
      role: m.authorType === "requester" ? "requester" : staffRole(m.authorId ? roles.get(m.authorId) : null),
      body: m.body,
    })),
    complaints: complaintRows.map((c) => ({
      reference: c.reference, grounds: c.grounds, receivedAt: iso(c.receivedAt), dueDate: c.dueDate, status: c.status, text: c.body,
      answer: c.answer, answeredAt: isoOrNull(c.answeredAt),
      answeredOnTime: c.answeredAt ? localDate(c.answeredAt, tz) <= c.dueDate : isOverdue(now, c.dueDate, tz) ? false : null,
      escalatedAt: isoOrNull(c.escalatedAt),
    })),
    supervisoryAuthority: authority
      ? { country: authority.country, nameLocal: authority.nameLocal, nameEnglish: authority.nameEnglish, website: authority.website, complaintUrl: authority.complaintUrl, postalAddress: [...authority.postalAddress] }
      : null,
  };
}
