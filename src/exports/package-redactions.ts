/**
 * A package's redactions as the builders apply them: the DPO's review of the request (if any) is
 * read once, each message and note is rendered with its withheld spans replaced by
 * "[withheld: reason]" (a whole item by the marker alone), and what was applied is counted by
 * reason for the README, the PDF and the partial-refusal notice. A span whose covered text no
 * longer matches the message withholds the whole message: never less than the DPO decided.
 */
import { eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { packageReviews } from "../db/schema/index.js";
import { readRedactions, type Redaction } from "../chats/redaction-store.js";
import type { Conversation } from "../chats/conversation-store.js";
import { applyRedactions } from "../redaction/apply-redactions.js";
import type { KeyRing } from "../platform/crypto.js";
import type { Translate } from "../platform/i18n.js";
import type { WithheldItem } from "./package-data.js";

export interface RedactionCount {
  reason: string;
  passages: number;
  messages: number;
  notes: number;
}

const itemKey = (conversationId: string, type: string, id: string | number) => `${conversationId}:${type}:${id}`;

export class PackageRedactions {
  private readonly counts = new Map<string, RedactionCount>();

  private constructor(
    private readonly byItem: Map<string, Redaction[]>,
    private readonly t: Translate,
  ) {}

  static none(t: Translate): PackageRedactions {
    return new PackageRedactions(new Map(), t);
  }

  /** The redactions of the request's released review, for the conversations in the package. */
  static async load(db: Executor, keys: KeyRing, requestId: string, convs: Conversation[], t: Translate): Promise<PackageRedactions> {
    const [review] = await db.select({ id: packageReviews.id }).from(packageReviews).where(eq(packageReviews.requestId, requestId));
    if (!review) return PackageRedactions.none(t);
    const byItem = new Map<string, Redaction[]>();
    for (const r of await readRedactions(db, keys, review.id, convs)) {
      const k = itemKey(r.conversationId, r.itemType, r.itemId);
      byItem.set(k, [...(byItem.get(k) ?? []), r]);
    }
    return new PackageRedactions(byItem, t);
  }

  marker(reason: string): string {
    return this.t("exports.redaction.marker", { reason: this.t(`exports.redaction.reason.${reason}`) });
  }

  message(conversationId: string, messageId: number, body: string): string {
    return this.apply(itemKey(conversationId, "message", messageId), body, "messages");
  }

  note(conversationId: string, noteId: string, body: string): string {
    return this.apply(itemKey(conversationId, "note", noteId), body, "notes");
  }

  private count(reason: string): RedactionCount {
    let c = this.counts.get(reason);
    if (!c) this.counts.set(reason, (c = { reason, passages: 0, messages: 0, notes: 0 }));
    return c;
  }

  private apply(key: string, body: string, wholeKind: "messages" | "notes"): string {
    const list = this.byItem.get(key);
    if (!list || list.length === 0) return body;
    const whole = list.find((r) => r.whole) ?? list.find((r) => !spanStillCovers(r, body));
    if (whole) {
      this.count(whole.reason)[wholeKind] += 1;
      return this.marker(whole.reason);
    }
    const spans = list.map((r) => ({ start: r.start!, end: r.end!, reason: r.reason }));
    for (const s of spans) this.count(s.reason).passages += 1;
    return applyRedactions(body, spans, (s) => this.marker(s.reason));
  }

  /** What was applied so far, by reason (the README is written after the conversations). */
  applied(): RedactionCount[] {
    return [...this.counts.values()].sort((a, b) => a.reason.localeCompare(b.reason));
  }

  /** The README's / manifest's "left out" entries: one per reason and kind of thing withheld. */
  withheld(): WithheldItem[] {
    const items: WithheldItem[] = [];
    for (const c of this.applied()) {
      const reason = this.t(`exports.redaction.reason.${c.reason}`);
      const basis = this.t(`exports.redaction.basis.${c.reason}`);
      if (c.passages) items.push({ kind: "redacted_passages", count: c.passages, reason, reasonCode: c.reason, basis });
      if (c.messages) items.push({ kind: "withheld_messages", count: c.messages, reason, reasonCode: c.reason, basis });
      if (c.notes) items.push({ kind: "withheld_notes", count: c.notes, reason, reasonCode: c.reason, basis });
    }
    return items;
  }
}

function spanStillCovers(r: Redaction, body: string): boolean {
  if (r.start === undefined || r.end === undefined || r.start < 0 || r.end > body.length || r.start >= r.end) return false;
  return r.text === undefined || body.slice(r.start, r.end) === r.text;
}
