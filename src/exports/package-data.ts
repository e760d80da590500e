/**
 * What goes into a package and how people in it are shown. Chat content is read only through
 * the conversation store, a page at a time. Other people's data (Art. 15(4)): chat workers appear
 * by role, never by name; other participants get a pseudonym that is the same everywhere in one
 * package; the requester's own messages are labelled "You"; what was left out is recorded.
 */
import { subjectById, type Subject } from "../chats/subject-store.js";
import { and, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import {
  organizations, requests, subjects, type SenderRole,
} from "../db/schema/index.js";
import { readMessages, type Conversation, type ReadMessage } from "../chats/conversation-store.js";
import type { KeyRing } from "../platform/crypto.js";
import type { Translate } from "../platform/i18n.js";
import type { ExportRow } from "./export-row.js";
import { conversationsInScope, notLinkedCount } from "../requests/request-scope.js";
import { isoWithOffset } from "./time.js";

export type RequestRow = typeof requests.$inferSelect;
export type OrganizationRow = typeof organizations.$inferSelect;
export type SubjectRow = Subject;

/** One entry of exports.withheld and of the README's "what we left out" list. */
export interface WithheldItem {
  kind: "worker_names" | "participant_identities" | "counsellor_notes" | "conversations_not_linked" | "redacted_passages" | "withheld_messages" | "withheld_notes";
  count?: number;
  /** Recorded reason, e.g. the DPO's reason for withholding notes. */
  reason?: string;
  /** For redactions of the DPO's review: the reason's code (redaction/types.ts redactionReasons). */
  reasonCode?: string;
  basis: string;
}

/**
 * Where the requests capability records a decision to withhold counsellor notes: a non-empty
 * string under this key of requests.details is the reason, stated in the package's README.
 */
export const NOTES_WITHHELD_REASON_KEY = "notesWithheldReason";

export function notesWithheldReason(request: Pick<RequestRow, "details">): string | undefined {
  const value = request.details?.[NOTES_WITHHELD_REASON_KEY];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export interface ErasedConversation {
  startedAt: Date;
  topic: string | null;
  erasedAt: Date | null;
  erasedByReference: string | null;
}

export interface Scope {
  readable: Conversation[];
  erased: ErasedConversation[];
  /** Chosen ids that are not this requester's conversations (never exported). */
  notLinked: number;
}

/**
 * The conversations a request covers. profile: none. all_conversations: every conversation of the
 * request's subject, or for a receipt-code requester the one conversation they proved.
 * chosen_conversations: the chosen ids, but only those that belong to the requester.
 */
export async function resolveScope(db: Executor, request: RequestRow): Promise<Scope> {
  const rows = await conversationsInScope(db, request);
  const notLinked = notLinkedCount(request, rows);
  const readable: Conversation[] = [];
  const erased: ErasedConversation[] = [];
  for (const c of rows) {
    if (c.erasedAt || !c.dataKeyId) {
      erased.push({ startedAt: c.startedAt, topic: c.topic, erasedAt: c.erasedAt, erasedByReference: c.erasedByReference });
    } else {
      readable.push(c);
    }
  }
  return { readable, erased, notLinked };
}

/** "A", "B", … "Z", "AA", "AB", … */
export function pseudonymLetters(index: number): string {
  let n = index;
  let out = "";
  do {
    out = String.fromCharCode(65 + (n % 26)) + out;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return out;
}

/**
 * Labels senders for one package. The same other participant (by their label on the platform)
 * gets the same pseudonym in every conversation of the package; worker names are counted as
 * withheld but never shown.
 */
export class SenderLabeller {
  private readonly participants = new Map<string, string>();
  private readonly workerNames = new Set<string>();
  private readonly roles: Record<Exclude<SenderRole, "other">, string>;

  /** `thirdPerson`: for a reader who is not the requester (the police transcript): "Requester", not "You". */
  constructor(private readonly t: Translate, opts: { thirdPerson?: boolean } = {}) {
    this.roles = {
      subject: t(opts.thirdPerson ? "exports.transcript.role.requester" : "exports.transcript.role.subject"),
      worker: t("exports.transcript.role.worker"),
      system: t("exports.transcript.role.system"),
    };
  }

  label(m: Pick<ReadMessage, "senderRole" | "senderLabel">): string {
    switch (m.senderRole) {
      case "subject":
      case "system":
        return this.roles[m.senderRole];
      case "worker":
        if (m.senderLabel) this.workerNames.add(m.senderLabel);
        return this.roles.worker;
      default: {
        const key = m.senderLabel ?? "";
        let name = this.participants.get(key);
        if (!name) {
          name = this.t("exports.package.participant", { letter: pseudonymLetters(this.participants.size) });
          this.participants.set(key, name);
        }
        return name;
      }
    }
  }

  withheld(): WithheldItem[] {
    const items: WithheldItem[] = [];
    if (this.workerNames.size > 0) items.push({ kind: "worker_names", count: this.workerNames.size, basis: "GDPR Art. 15(4)" });
    if (this.participants.size > 0) items.push({ kind: "participant_identities", count: this.participants.size, basis: "GDPR Art. 15(4)" });
    return items;
  }
}

/** Messages per database read: large enough to amortise the query, small enough to stay bounded. */
export const MESSAGE_PAGE_SIZE = 1000;

/**
 * A conversation's messages in order, a page at a time. The next page is fetched while the
 * caller works on the current one (at most two pages in memory), so database round trips overlap
 * rendering and compression instead of adding to them.
 */
export async function* messagePages(db: Executor, keys: KeyRing, conv: Conversation, pageSize = MESSAGE_PAGE_SIZE): AsyncGenerator<ReadMessage[]> {
  const fetch = (afterId?: number) => {
    // Packages show the requester and the system by role (SenderLabeller): their labels stay sealed.
    const p = readMessages(db, keys, conv, { afterId, limit: pageSize, labels: "naming" });
    p.catch(() => undefined); // awaited below; never an unhandled rejection if the caller stops early
    return p;
  };
  let next: Promise<ReadMessage[]> | undefined = fetch();
  while (next) {
    const page: ReadMessage[] = await next;
    next = page.length === pageSize ? fetch(page[page.length - 1]!.id) : undefined;
    if (page.length > 0) yield page;
  }
}

/** A message as it appears in a package's JSON and in the PDF's canonical content. */
export interface PackagedMessage {
  sentAt: string;
  senderRole: SenderRole;
  sender: string;
  body: string;
}

export function packagedMessage(m: ReadMessage, labeller: SenderLabeller, timeZone: string): PackagedMessage {
  return { sentAt: isoWithOffset(m.sentAt, timeZone), senderRole: m.senderRole, sender: labeller.label(m), body: m.body };
}

export async function loadExportContext(db: Executor, keys: KeyRing, exportRow: ExportRow): Promise<{ request: RequestRow; org: OrganizationRow; subject: SubjectRow | null } | undefined> {
  if (!exportRow.requestId) return undefined;
  const [request] = await db.select().from(requests).where(eq(requests.id, exportRow.requestId));
  if (!request || request.orgId !== exportRow.orgId) return undefined;
  const [org] = await db.select().from(organizations).where(eq(organizations.id, request.orgId));
  if (!org) return undefined;
  const subject = (await subjectById(db, keys, request.subjectId, { orgId: org.id })) ?? null;
  return { request, org, subject };
}
