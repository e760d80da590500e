/**
 * One page of the package review: up to REVIEW_PAGE_SIZE messages of one conversation (the
 * first page also lists its notes), each with the engine's suggestions and the redactions the
 * DPO already made. Saving the page replaces that page's redactions with what the form says, so
 * the form is the whole truth about its items and a page can be saved again and again.
 */
import type { AppContext } from "../context.js";
import { conversationKey, readMessagePage, readNotesWithIds, readSenderLabels, type Conversation } from "../chats/conversation-store.js";
import { readRedactions, replaceRedactions, type NewRedaction, type Redaction } from "../chats/redaction-store.js";
import type { RedactionItemType } from "../db/schema/index.js";
import { createDetector, type Detector } from "../redaction/detect-entities.js";
import { redactionLanguages, redactionReasons, type Entity, type KnownPerson, type RedactionLanguage } from "../redaction/types.js";
import { appendAudit } from "../platform/audit.js";
import { ContentErasedError } from "../chats/conversation-store.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import type { StaffActor } from "../platform/policy.js";
import { inTransaction } from "../platform/transaction.js";
import { isRedactionReason, lockOpenReview, markPageSaved, pageCount, REVIEW_PAGE_SIZE, type ReviewContext } from "./package-review.js";
import { lockRequest } from "../requests/change-status.js";

export interface Suggestion {
  /** "start-end", the checkbox's value. */
  value: string;
  start: number;
  end: number;
  kind: string;
  text: string;
  source: string;
  checked: boolean;
  reason: string;
}

export interface Segment {
  text: string;
  /** Set for a suggested span: its kind, for the highlight's label. */
  kind?: string;
}

export interface ReviewItem {
  type: RedactionItemType;
  id: string;
  /** "message:123" / "note:<uuid>": the form's field names are built from it. */
  key: string;
  senderRole: string | null;
  senderLabel: string | null;
  at: Date;
  body: string;
  segments: Segment[];
  suggestions: Suggestion[];
  whole: { checked: boolean; reason: string };
  /** Spans the DPO typed in, kept unless unticked. */
  added: { value: string; text: string; reason: string }[];
}

export interface ReviewPage {
  conversation: Conversation;
  conversationIndex: number;
  conversationCount: number;
  page: number;
  pages: number;
  items: ReviewItem[];
  saved: boolean;
}

const DEFAULT_REASON = "third_party_rights";

function languageOf(conv: Conversation, fallback: string): RedactionLanguage {
  for (const candidate of [conv.language, fallback, "en"]) {
    const base = (candidate ?? "").slice(0, 2).toLowerCase();
    if ((redactionLanguages as readonly string[]).includes(base)) return base as RedactionLanguage;
  }
  return "en";
}

/**
 * The detector for the whole package: the participants and counsellors the platform sent are
 * always suggested, the requester's own names and address never.
 */
async function packageDetector(ctx: AppContext, rc: ReviewContext): Promise<Detector> {
  const others = new Map<string, KnownPerson>();
  const requester = new Set<string>(rc.subject?.displayName ? [rc.subject.displayName] : []);
  for (const conv of rc.conversations) {
    for (const { role, label } of await readSenderLabels(ctx.db, ctx.keys, conv)) {
      if (role === "subject") requester.add(label);
      else if (role === "worker") others.set(label, { name: label, role: "counsellor" });
      else if (role === "other") others.set(label, { name: label, role: "participant" });
    }
  }
  for (const name of requester) others.delete(name);
  return createDetector({
    knownNames: { requester: [...requester], others: [...others.values()] },
    requesterIdentifiers: { emails: rc.subject?.email ? [rc.subject.email] : [] },
  });
}

function segmentsOf(body: string, entities: Entity[]): Segment[] {
  const out: Segment[] = [];
  let cursor = 0;
  for (const e of entities) {
    if (e.start > cursor) out.push({ text: body.slice(cursor, e.start) });
    out.push({ text: body.slice(e.start, e.end), kind: e.kind });
    cursor = e.end;
  }
  if (cursor < body.length) out.push({ text: body.slice(cursor) });
  return out;
}

function conversationAt(rc: ReviewContext, index: number): Conversation {
  const conv = rc.conversations[index];
  if (!conv) throw new NotFoundError("conversation");
  return conv;
}

interface RawItem {
  type: RedactionItemType;
  id: string;
  senderRole: string | null;
  senderLabel: string | null;
  at: Date;
  body: string;
}

async function rawItems(ctx: AppContext, conv: Conversation, page: number): Promise<RawItem[]> {
  const messages = await readMessagePage(ctx.db, ctx.keys, conv, { offset: page * REVIEW_PAGE_SIZE, limit: REVIEW_PAGE_SIZE });
  const items: RawItem[] = messages.map((m) => ({ type: "message", id: String(m.id), senderRole: m.senderRole, senderLabel: m.senderLabel, at: m.sentAt, body: m.body }));
  if (page === 0) {
    for (const n of await readNotesWithIds(ctx.db, ctx.keys, conv)) items.push({ type: "note", id: n.id, senderRole: null, senderLabel: null, at: n.createdAt, body: n.body });
  }
  return items;
}

function buildItem(raw: RawItem, entities: Entity[], existing: Redaction[]): ReviewItem {
  const mine = existing.filter((r) => r.itemType === raw.type && r.itemId === raw.id);
  const whole = mine.find((r) => r.whole);
  const accepted = new Map(mine.filter((r) => !r.whole && r.origin === "suggested").map((r) => [`${r.start}-${r.end}`, r]));
  const suggestions = entities.map((e) => {
    const value = `${e.start}-${e.end}`;
    const prior = accepted.get(value);
    accepted.delete(value);
    return { value, start: e.start, end: e.end, kind: e.kind, text: e.text, source: e.source, checked: !!prior, reason: prior?.reason ?? DEFAULT_REASON };
  });
  // A suggestion accepted earlier that the engine no longer makes stays, listed with the added spans.
  const added = [...mine.filter((r) => !r.whole && r.origin === "added"), ...accepted.values()].map((r) => ({ value: `${r.start}-${r.end}`, text: r.text ?? "", reason: r.reason }));
  return {
    ...raw, key: `${raw.type}:${raw.id}`, segments: segmentsOf(raw.body, entities), suggestions, added,
    whole: { checked: !!whole, reason: whole?.reason ?? DEFAULT_REASON },
  };
}

/** Everything a page shows; content is read only after the access is recorded (see viewReviewPage). */
async function assemblePage(ctx: AppContext, rc: ReviewContext, conversationIndex: number, page: number, language: string): Promise<ReviewPage> {
  const conversation = conversationAt(rc, conversationIndex);
  const pages = pageCount(conversation);
  if (!Number.isInteger(page) || page < 0 || page >= pages) throw new NotFoundError("page");
  const detector = await packageDetector(ctx, rc);
  const lang = languageOf(conversation, language);
  const existing = (await readRedactions(ctx.db, ctx.keys, rc.review.id, [conversation])).filter((r) => r.conversationId === conversation.id);
  const items = (await rawItems(ctx, conversation, page)).map((raw) => buildItem(raw, detector.detect(raw.body, lang), existing));
  return {
    conversation, conversationIndex, conversationCount: rc.conversations.length, page, pages, items,
    saved: rc.review.pagesSaved.includes(`${conversation.id}:${page}`),
  };
}

/** Shows a page; reading chat content for the review is an audited access like opening a transcript. */
export async function viewReviewPage(ctx: AppContext, actor: StaffActor, rc: ReviewContext, where: { c: number; p: number }, defaultLocale: string): Promise<ReviewPage> {
  const conv = conversationAt(rc, where.c);
  await inTransaction(ctx, (tx) => appendAudit(tx, ctx, {
    orgId: actor.orgId, actor, action: "conversation.viewed", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId ?? rc.request.subjectId,
    details: { purposeCode: "package_review", requestId: rc.request.id, reference: rc.request.reference, page: where.p },
  }));
  return assemblePage(ctx, rc, where.c, where.p, defaultLocale);
}

type Form = Record<string, unknown>;

function values(form: Form, name: string): string[] {
  const v = form[name];
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function reasonField(form: Form, name: string, fallback: string): string {
  const v = values(form, name)[0] ?? fallback;
  if (!isRedactionReason(v)) throw new ValidationError({ _form: "platform.errors.choose" });
  return v;
}

function allOccurrences(body: string, needle: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let i = body.indexOf(needle); i !== -1; i = body.indexOf(needle, i + needle.length)) out.push({ start: i, end: i + needle.length });
  return out;
}

/** What the form decides for one item of the page. */
function decisionsFor(item: ReviewItem, form: Form): NewRedaction[] {
  const base = { itemType: item.type, itemId: item.id };
  if (values(form, `w.${item.key}`).includes("1")) {
    return [{ ...base, whole: true, origin: "added", reason: reasonField(form, `wr.${item.key}`, DEFAULT_REASON) }];
  }
  const out: NewRedaction[] = [];
  const ticked = new Set(values(form, `s.${item.key}`));
  for (const s of item.suggestions) {
    if (!ticked.has(s.value)) continue;
    out.push({ ...base, whole: false, origin: "suggested", start: s.start, end: s.end, kind: s.kind, text: s.text, reason: reasonField(form, `sr.${item.key}.${s.value}`, DEFAULT_REASON) });
  }
  const kept = new Set(values(form, `k.${item.key}`));
  for (const a of item.added) {
    if (!kept.has(a.value)) continue;
    const [start, end] = a.value.split("-").map(Number) as [number, number];
    out.push({ ...base, whole: false, origin: "added", start, end, kind: "added", text: a.text, reason: a.reason });
  }
  return out;
}

/** The span the DPO typed in: every occurrence of the exact text in the chosen message or note. */
function typedSpans(items: ReviewItem[], form: Form): NewRedaction[] {
  const text = (values(form, "addText")[0] ?? "").trim();
  const target = values(form, "addItem")[0] ?? "";
  if (!text && !target) return [];
  if (!text) throw new ValidationError({ addText: "platform.errors.required" });
  if (text.length > 2000) throw new ValidationError({ addText: "platform.errors.tooLong" });
  const item = items.find((i) => i.key === target);
  if (!item) throw new ValidationError({ addItem: "platform.errors.choose" });
  const found = allOccurrences(item.body, text);
  if (found.length === 0) throw new ValidationError({ addText: "fulfilment.review.errors.textNotFound" });
  const reason = reasonField(form, "addReason", DEFAULT_REASON);
  return found.map((f) => ({ itemType: item.type, itemId: item.id, whole: false, origin: "added" as const, start: f.start, end: f.end, kind: "added", text, reason }));
}

export interface SavedPage {
  next?: { c: number; p: number };
}

/**
 * Saves the page's decisions in one transaction with their audit entry (counts and reasons, never
 * the text). Returns the page to go to next, if there is one.
 */
export async function saveReviewPage(ctx: AppContext, actor: StaffActor, rc: ReviewContext, where: { c: number; p: number }, form: Form, defaultLocale: string): Promise<SavedPage> {
  const page = await assemblePage(ctx, rc, where.c, where.p, defaultLocale);
  const decided = [...page.items.flatMap((item) => decisionsFor(item, form)), ...typedSpans(page.items, form)];
  const conv = page.conversation;
  await inTransaction(ctx, async (tx) => {
    const r = await lockRequest(tx, rc.request.id, actor.orgId);
    await lockOpenReview(tx, r);
    const key = await conversationKey(tx, ctx.keys, conv);
    if (!key) throw new ContentErasedError();
    await replaceRedactions(tx, key, { reviewId: rc.review.id, orgId: actor.orgId, conversationId: conv.id, createdBy: actor.id }, page.items.map((i) => ({ itemType: i.type, itemId: i.id })), decided);
    await markPageSaved(tx, rc.review.id, `${conv.id}:${where.p}`);
    const byReason: Record<string, number> = {};
    for (const d of decided) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "review.page_saved", target: { type: "request", id: rc.request.id }, subjectId: rc.request.subjectId,
      details: {
        reference: rc.request.reference, conversationIndex: where.c, page: where.p,
        passages: decided.filter((d) => !d.whole).length, wholeItems: decided.filter((d) => d.whole).length,
        added: decided.filter((d) => d.origin === "added").length, byReason,
      },
    });
  });
  if (where.p + 1 < page.pages) return { next: { c: where.c, p: where.p + 1 } };
  if (where.c + 1 < rc.conversations.length) return { next: { c: where.c + 1, p: 0 } };
  return {};
}

export const reviewReasons = redactionReasons;
