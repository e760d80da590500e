import { insertSubjects, subjectIdsByExternalIds, takenEmails } from "./subject-store.js";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { conversations, ingestTombstones, subjects } from "../db/schema/index.js";
import { AppError, ValidationError } from "../platform/errors.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { translator } from "../platform/i18n.js";
import {
  conversationKeys, createConversations, insertSealedMessages, insertSealedNotes, sealMessages, sealNotes,
  type SealedMessage, type SealedNote,
} from "./conversation-store.js";
import { pgErrorCode, saveConversation, saveSubject, touchSubjects, type Outcome } from "./ingest.js";
import { importLineSchema, type ImportLine } from "./schema.js";
import { isIngestTombstoned } from "./ingest-tombstones.js";

/**
 * Bulk import of the chat platform's history from NDJSON, one record a line:
 *   {"type":"subject","externalId":…,"email":…,"displayName":…,"locale":…}
 *   {"type":"conversation","externalId":…,"subjectExternalId":…,"receiptCodeHash":…,"startedAt":…,…}
 *   {"type":"message","conversation":"<conversation externalId>","externalId":…,"senderRole":…,"body":…,"sentAt":…}
 *   {"type":"note","conversation":"<conversation externalId>","externalId":…,"body":…}
 * The same shapes as the ingest API (schema.ts). A record may only refer to records on earlier
 * lines (or already stored), so the outcome never depends on where batches happen to end.
 *
 * Lines are committed in batches (one transaction each, multi-row INSERTs, data keys cached per
 * conversation). After each commit a checkpoint file records the last committed line and byte
 * offset; a rerun continues from there, and idempotent upserts make any overlap harmless. A bad
 * line is rejected with its number and reason and the run goes on.
 */

export interface ImportCounts {
  /** Lines decided (committed or rejected), including blank ones. */
  lines: number;
  blank: number;
  rejected: number;
  subjects: Record<Outcome, number>;
  conversations: Record<Outcome, number>;
  messages: { inserted: number; duplicate: number };
  notes: { inserted: number; duplicate: number };
}

export interface RejectedLine {
  line: number;
  reason: string;
}

export interface ImportProgress {
  /** The last line read (not necessarily committed yet). */
  line: number;
  bytesRead: number;
  totalBytes: number;
  /** Committed so far, including earlier runs resumed from. */
  counts: ImportCounts;
  /** Messages committed by this run per second of this run. */
  messagesPerSecond: number;
  elapsedMs: number;
}

export interface ImportResult {
  status: "complete" | "aborted";
  counts: ImportCounts;
  /** The first rejections (up to 1000), in line order. */
  rejected: RejectedLine[];
  resumedFromLine: number;
  lastCommittedLine: number;
  checkpointFile: string;
  elapsedMs: number;
  /** Why an existing checkpoint was not used, if it was not. */
  checkpointIgnored?: string;
}

export interface ImportOptions {
  file: string;
  orgId: string;
  /** Records per transaction (default 500). */
  batchSize?: number;
  /** Default: "<file>.checkpoint.json" next to the input. */
  checkpointFile?: string;
  /** Ignore an existing checkpoint and start from line 1 (still idempotent). */
  restart?: boolean;
  /** Stops before the next line; the batch not yet committed is left for the rerun. */
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** Lines between progress calls (default 1000); progress is also reported after each commit. */
  progressEvery?: number;
  /** Called for each rejected line once its batch is committed. */
  onReject?: (r: RejectedLine) => void;
  maxLineBytes?: number;
  actor?: Actor;
}

const CHECKPOINT_VERSION = 1;
const KEEP_REJECTS = 1000;
const CACHE_LIMIT = 100_000;

interface Checkpoint {
  version: number;
  fingerprint: string;
  orgId: string;
  line: number;
  offset: number;
  counts: ImportCounts;
  rejected: RejectedLine[];
  complete: boolean;
  updatedAt: string;
}

export function emptyCounts(): ImportCounts {
  return {
    lines: 0, blank: 0, rejected: 0,
    subjects: { created: 0, updated: 0, unchanged: 0 },
    conversations: { created: 0, updated: 0, unchanged: 0 },
    messages: { inserted: 0, duplicate: 0 },
    notes: { inserted: 0, duplicate: 0 },
  };
}

function addCounts(into: ImportCounts, from: ImportCounts): void {
  into.lines += from.lines;
  into.blank += from.blank;
  into.rejected += from.rejected;
  for (const k of ["created", "updated", "unchanged"] as const) {
    into.subjects[k] += from.subjects[k];
    into.conversations[k] += from.conversations[k];
  }
  into.messages.inserted += from.messages.inserted;
  into.messages.duplicate += from.messages.duplicate;
  into.notes.inserted += from.notes.inserted;
  into.notes.duplicate += from.notes.duplicate;
}

/* ---------------- reading ---------------- */

interface RawLine {
  text: string | null; // null: longer than maxLineBytes
  end: number; // byte offset just after the line's newline
}

/** Lines with exact byte offsets (so a resume can seek), CRLF-tolerant, bounded in length. */
async function* readLines(file: string, start: number, maxBytes: number): AsyncGenerator<RawLine> {
  const stream = fs.createReadStream(file, { start, highWaterMark: 1 << 20 });
  let parts: Buffer[] = [];
  let partLen = 0;
  let overlong = false;
  let offset = start;
  const take = (tail: Buffer): RawLine => {
    const len = partLen + tail.length;
    offset += len + 1;
    let text: string | null = null;
    if (!overlong && len <= maxBytes) {
      const buf = parts.length ? Buffer.concat([...parts, tail]) : tail;
      text = buf.toString("utf8");
      if (text.endsWith("\r")) text = text.slice(0, -1);
    }
    parts = [];
    partLen = 0;
    overlong = false;
    return { text, end: offset };
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl === -1) {
        const rest = chunk.subarray(from);
        if (partLen + rest.length > maxBytes) overlong = true;
        if (!overlong) parts.push(rest);
        partLen += rest.length;
        break;
      }
      yield take(chunk.subarray(from, nl));
      from = nl + 1;
    }
  }
  if (partLen > 0) {
    const last = take(Buffer.alloc(0));
    yield { ...last, end: last.end - 1 };
  }
}

function fingerprint(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return crypto.createHash("sha256").update(buf.subarray(0, n)).digest("hex");
  } finally {
    fs.closeSync(fd);
  }
}

function readCheckpoint(file: string): Checkpoint | undefined {
  try {
    const cp = JSON.parse(fs.readFileSync(file, "utf8")) as Checkpoint;
    return cp.version === CHECKPOINT_VERSION ? cp : undefined;
  } catch {
    return undefined;
  }
}

function writeCheckpoint(file: string, cp: Checkpoint): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cp), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

const en = translator("en");

/** A reason for a rejected line that names the field and never quotes the line's content. */
function parseLine(text: string): { rec: ImportLine } | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: "not valid JSON" };
  }
  const parsed = importLineSchema.safeParse(json);
  if (parsed.success) return { rec: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.map(String).join(".") || "line";
  const message = /^[a-z]+\.[\w.]+$/.test(issue.message) ? en(issue.message) : issue.message;
  return { reason: `${where}: ${message}` };
}

function describeFailure(err: unknown): string {
  if (err instanceof ValidationError) {
    return Object.entries(err.fieldErrors).map(([field, key]) => `${field}: ${en(key)}`).join("; ");
  }
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  const code = pgErrorCode(err);
  return code ? `database refused the record (SQLSTATE ${code})` : "could not be stored";
}

/* ---------------- applying ---------------- */

interface Item {
  line: number;
  rec: ImportLine;
}

interface ConvRef {
  id: string;
  subjectId: string | null;
  dataKeyId: string | null;
  erased: boolean;
}

/** What a batch learned; merged into the caches only once its transaction committed. */
interface Staged {
  /** externalId → id and the line that created it in this batch (0: it existed before). */
  subjects: Map<string, { id: string; line: number }>;
  convs: Map<string, ConvRef & { line: number }>;
  keys: Map<string, Buffer>;
  counts: ImportCounts;
  rejects: RejectedLine[];
}

const newStaged = (): Staged => ({ subjects: new Map(), convs: new Map(), keys: new Map(), counts: emptyCounts(), rejects: [] });

class Caches {
  subjects = new Map<string, string>();
  convs = new Map<string, ConvRef>();
  keys = new Map<string, Buffer>();

  merge(st: Staged): void {
    if (this.subjects.size > CACHE_LIMIT) this.subjects.clear();
    if (this.convs.size > CACHE_LIMIT) this.convs.clear();
    if (this.keys.size > CACHE_LIMIT) this.keys.clear();
    for (const [ext, s] of st.subjects) this.subjects.set(ext, s.id);
    for (const [ext, c] of st.convs) this.convs.set(ext, { id: c.id, subjectId: c.subjectId, dataKeyId: c.dataKeyId, erased: c.erased });
    for (const [id, k] of st.keys) this.keys.set(id, k);
  }
}

class Importer {
  readonly caches = new Caches();

  constructor(
    private readonly ctx: AppContext,
    private readonly orgId: string,
  ) {}

  /** Applies a batch in one transaction; if the database refuses it, again one record per savepoint. */
  async commit(items: Item[], parseRejects: RejectedLine[], meta: { fromLine: number; toLine: number; blank: number }, actor: Actor): Promise<Staged> {
    const finish = async (tx: Tx, st: Staged) => {
      st.rejects.push(...parseRejects);
      st.rejects.sort((a, b) => a.line - b.line);
      st.counts.rejected += st.rejects.length;
      st.counts.blank += meta.blank;
      st.counts.lines += meta.toLine - meta.fromLine + 1;
      const { lines: _l, ...batch } = st.counts;
      await appendAudit(tx, this.ctx, {
        orgId: this.orgId, actor, action: "chats.import.batch",
        details: { fromLine: meta.fromLine, toLine: meta.toLine, ...batch },
      });
    };
    let staged: Staged;
    try {
      staged = await this.ctx.db.transaction(async (tx) => {
        const st = newStaged();
        await this.applyBulk(tx, items, st);
        await finish(tx, st);
        return st;
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.ctx.logger.warn({ code: pgErrorCode(err), fromLine: meta.fromLine }, "import batch refused; retrying record by record");
      staged = await this.ctx.db.transaction(async (tx) => {
        const st = newStaged();
        for (const item of items) {
          try {
            const one = newStaged();
            await tx.transaction(async (sp) => this.applyBulk(sp as unknown as Tx, [item], mergedView(st, one)));
            mergeStaged(st, one);
          } catch (e) {
            st.rejects.push({ line: item.line, reason: describeFailure(e) });
          }
        }
        await finish(tx, st);
        return st;
      });
    }
    this.caches.merge(staged);
    return staged;
  }

  private reject(st: Staged, item: Item, reason: string): void {
    st.rejects.push({ line: item.line, reason });
  }

  /** Subjects, then conversations, then messages and notes; each with as few statements as it can. */
  async applyBulk(tx: Tx, items: Item[], st: Staged): Promise<void> {
    const subjectItems: (Item & { rec: Extract<ImportLine, { type: "subject" }> })[] = [];
    const convItems: (Item & { rec: Extract<ImportLine, { type: "conversation" }> })[] = [];
    const contentItems: (Item & { rec: Extract<ImportLine, { type: "message" | "note" }> })[] = [];
    for (const item of items) {
      if (item.rec.type === "subject") subjectItems.push(item as (typeof subjectItems)[number]);
      else if (item.rec.type === "conversation") convItems.push(item as (typeof convItems)[number]);
      else contentItems.push(item as (typeof contentItems)[number]);
    }
    await this.applySubjects(tx, subjectItems, st);
    await this.applyConversations(tx, convItems, st);
    await this.applyContent(tx, contentItems, st);
  }

  private async applySubjects(tx: Tx, items: (Item & { rec: Extract<ImportLine, { type: "subject" }> })[], st: Staged): Promise<void> {
    if (items.length === 0) return;
    const exts = [...new Set(items.map((i) => i.rec.externalId))];
    const emails = [...new Set(items.map((i) => i.rec.email?.toLowerCase()).filter((e): e is string => !!e))];
    const existing = new Set((await subjectIdsByExternalIds(tx, this.ctx.keys, this.orgId, exts)).keys());
    const heldEmails = await takenEmails(tx, this.ctx.keys, this.orgId, emails);
    const gone = await this.tombstoned(tx, "subject", exts.filter((e) => !existing.has(e)));
    const emailUses = new Map<string, number>();
    for (const i of items) {
      const e = i.rec.email?.toLowerCase();
      if (e) emailUses.set(e, (emailUses.get(e) ?? 0) + 1);
    }
    // New, first in the batch, and with an e-mail nobody else has: one multi-row INSERT.
    const seen = new Set<string>();
    const bulk: typeof items = [];
    const single: typeof items = [];
    for (const i of items) {
      const e = i.rec.email?.toLowerCase();
      const simple = !existing.has(i.rec.externalId) && !seen.has(i.rec.externalId) && !st.subjects.has(i.rec.externalId) &&
        !gone.has(i.rec.externalId) && (!e || (!heldEmails.has(e) && emailUses.get(e) === 1));
      seen.add(i.rec.externalId);
      (simple ? bulk : single).push(i);
    }
    if (bulk.length) {
      const rows = await insertSubjects(tx, this.ctx.keys, bulk.map((i) => ({
        orgId: this.orgId, externalId: i.rec.externalId, email: i.rec.email ? i.rec.email.toLowerCase() : null,
        displayName: i.rec.displayName ?? null, locale: i.rec.locale ?? null,
      })));
      const lineOf = new Map(bulk.map((i) => [i.rec.externalId, i.line]));
      for (const r of rows) st.subjects.set(r.externalId!, { id: r.id, line: lineOf.get(r.externalId!)! });
      st.counts.subjects.created += rows.length;
    }
    for (const i of single) {
      try {
        const { type: _t, externalId, ...body } = i.rec;
        const { subject, outcome } = await saveSubject(tx, this.orgId, externalId, body, this.ctx.keys);
        if (!st.subjects.has(externalId)) st.subjects.set(externalId, { id: subject.id, line: outcome === "created" ? i.line : 0 });
        st.counts.subjects[outcome] += 1;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        this.reject(st, i, describeFailure(err));
      }
    }
  }

  /** Platform ids deleted by erasure or retention: they take the record-by-record way, which refuses them. */
  private async tombstoned(tx: Tx, kind: "subject" | "conversation", exts: string[]): Promise<Set<string>> {
    const gone = new Set<string>();
    const [someTombstone] = exts.length
      ? await tx.select({ orgId: ingestTombstones.orgId }).from(ingestTombstones).where(and(eq(ingestTombstones.orgId, this.orgId), eq(ingestTombstones.kind, kind))).limit(1)
      : [];
    if (!someTombstone) return gone;
    for (const ext of exts) if (await isIngestTombstoned(tx, this.ctx.keys, this.orgId, kind, ext)) gone.add(ext);
    return gone;
  }

  /** Subject ids for platform ids, as they stood just before `line`. */
  private async subjectIdsBefore(tx: Tx, wanted: { ext: string; line: number }[], st: Staged): Promise<Map<string, string | undefined>> {
    const result = new Map<string, string | undefined>();
    const lookup: string[] = [];
    for (const { ext, line } of wanted) {
      const key = `${ext}\n${line}`;
      const staged = st.subjects.get(ext);
      if (staged && staged.line < line) result.set(key, staged.id);
      else if (this.caches.subjects.has(ext)) result.set(key, this.caches.subjects.get(ext));
      else if (!staged) lookup.push(ext);
      else result.set(key, undefined);
    }
    if (lookup.length) {
      const found = await subjectIdsByExternalIds(tx, this.ctx.keys, this.orgId, lookup);
      for (const { ext, line } of wanted) {
        const key = `${ext}\n${line}`;
        if (!result.has(key)) result.set(key, found.get(ext));
      }
    }
    return result;
  }

  private async applyConversations(tx: Tx, items: (Item & { rec: Extract<ImportLine, { type: "conversation" }> })[], st: Staged): Promise<void> {
    if (items.length === 0) return;
    const wantedSubjects = items.filter((i) => i.rec.subjectExternalId).map((i) => ({ ext: i.rec.subjectExternalId!, line: i.line }));
    const subjectIds = await this.subjectIdsBefore(tx, wantedSubjects, st);
    const exts = [...new Set(items.map((i) => i.rec.externalId))];
    const existing = new Set(
      (await tx.select({ ext: conversations.externalId }).from(conversations).where(and(eq(conversations.orgId, this.orgId), inArray(conversations.externalId, exts)))).map((r) => r.ext),
    );
    const hashes = [...new Set(items.map((i) => i.rec.receiptCodeHash).filter((h): h is string => !!h))];
    const heldHashes = new Set(
      hashes.length
        ? (await tx.select({ h: conversations.receiptCodeHash }).from(conversations).where(inArray(conversations.receiptCodeHash, hashes))).map((r) => r.h)
        : [],
    );
    const gone = await this.tombstoned(tx, "conversation", exts.filter((e) => !existing.has(e)));
    const hashUses = new Map<string, number>();
    for (const i of items) if (i.rec.receiptCodeHash) hashUses.set(i.rec.receiptCodeHash, (hashUses.get(i.rec.receiptCodeHash) ?? 0) + 1);

    const seen = new Set<string>();
    const bulk: { item: Item; subjectId: string | null }[] = [];
    const single: { item: (typeof items)[number]; subjectId: string | null }[] = [];
    for (const i of items) {
      let subjectId: string | null = null;
      if (i.rec.subjectExternalId) {
        const id = subjectIds.get(`${i.rec.subjectExternalId}\n${i.line}`);
        if (!id) {
          this.reject(st, i, `subjectExternalId: ${en("chats.api.errors.unknownSubject")}`);
          continue;
        }
        subjectId = id;
      }
      const h = i.rec.receiptCodeHash;
      const simple = !existing.has(i.rec.externalId) && !seen.has(i.rec.externalId) && !st.convs.has(i.rec.externalId) &&
        !gone.has(i.rec.externalId) && (!h || (!heldHashes.has(h) && hashUses.get(h) === 1));
      seen.add(i.rec.externalId);
      if (simple) bulk.push({ item: i, subjectId });
      else single.push({ item: i, subjectId });
    }
    const touched = new Map<string, Date>();
    const touch = (subjectId: string | null, at: Date) => {
      if (subjectId && (!touched.has(subjectId) || touched.get(subjectId)! < at)) touched.set(subjectId, at);
    };
    if (bulk.length) {
      const created = await createConversations(
        tx,
        this.ctx.keys,
        bulk.map(({ item, subjectId }) => {
          const r = item.rec as Extract<ImportLine, { type: "conversation" }>;
          return {
            orgId: this.orgId, externalId: r.externalId, subjectId, receiptCodeHash: r.receiptCodeHash ?? null, topic: r.topic ?? null,
            language: r.language ?? null, startedAt: r.startedAt, endedAt: r.endedAt ?? null, ip: r.ip ?? null,
          };
        }),
      );
      created.forEach(({ conversation: c, key }, n) => {
        st.convs.set(c.externalId!, { id: c.id, subjectId: c.subjectId, dataKeyId: c.dataKeyId, erased: false, line: bulk[n]!.item.line });
        st.keys.set(c.id, key);
        touch(c.subjectId, c.endedAt ?? c.startedAt);
      });
      st.counts.conversations.created += created.length;
    }
    await touchSubjects(tx, touched);
    for (const { item, subjectId } of single) {
      try {
        const { type: _t, externalId, ...body } = item.rec;
        const { conversation: c, outcome } = await saveConversation(tx, this.ctx.keys, this.orgId, externalId, body, { subjectId });
        const prior = st.convs.get(externalId);
        st.convs.set(externalId, { id: c.id, subjectId: c.subjectId, dataKeyId: c.dataKeyId, erased: false, line: prior?.line ?? (outcome === "created" ? item.line : 0) });
        st.counts.conversations[outcome] += 1;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        this.reject(st, item, describeFailure(err));
      }
    }
  }

  private async applyContent(tx: Tx, items: (Item & { rec: Extract<ImportLine, { type: "message" | "note" }> })[], st: Staged): Promise<void> {
    if (items.length === 0) return;
    // Which conversation each record means, as it stood just before its line.
    const refOf = new Map<Item, ConvRef>();
    const lookup = new Set<string>();
    for (const i of items) {
      const staged = st.convs.get(i.rec.conversation);
      if (staged && staged.line < i.line) refOf.set(i, staged);
      else if (this.caches.convs.has(i.rec.conversation)) refOf.set(i, this.caches.convs.get(i.rec.conversation)!);
      else if (!staged) lookup.add(i.rec.conversation);
    }
    if (lookup.size) {
      const rows = await tx
        .select({ id: conversations.id, ext: conversations.externalId, subjectId: conversations.subjectId, dataKeyId: conversations.dataKeyId, erasedAt: conversations.erasedAt })
        .from(conversations)
        .where(and(eq(conversations.orgId, this.orgId), inArray(conversations.externalId, [...lookup])));
      const found = new Map(rows.map((r) => [r.ext!, { id: r.id, subjectId: r.subjectId, dataKeyId: r.dataKeyId, erased: r.erasedAt !== null || r.dataKeyId === null }]));
      for (const i of items) if (!refOf.has(i) && lookup.has(i.rec.conversation) && found.has(i.rec.conversation)) refOf.set(i, found.get(i.rec.conversation)!);
      for (const [ext, ref] of found) if (!st.convs.has(ext)) st.convs.set(ext, { ...ref, line: 0 });
    }
    // Lock what is written to and read its current state: an erasure waits for this batch, or wins.
    const ids = [...new Set([...refOf.values()].map((r) => r.id))];
    const current = new Map(
      ids.length
        ? (await tx
            .select({ id: conversations.id, subjectId: conversations.subjectId, dataKeyId: conversations.dataKeyId, erasedAt: conversations.erasedAt })
            .from(conversations)
            .where(inArray(conversations.id, ids))
            .for("no key update")).map((r) => [r.id, r])
        : [],
    );
    const needKeys = ids
      .map((id) => current.get(id))
      .filter((c): c is NonNullable<typeof c> => !!c && !c.erasedAt && !!c.dataKeyId && !st.keys.has(c.id) && !this.caches.keys.has(c.id));
    for (const [id, key] of await conversationKeys(tx, this.ctx.keys, needKeys)) st.keys.set(id, key);

    const messageRows: SealedMessage[] = [];
    const noteRows: SealedNote[] = [];
    const touched = new Map<string, Date>();
    for (const i of items) {
      const ref = refOf.get(i);
      const now = ref ? current.get(ref.id) : undefined;
      if (!ref || !now) {
        this.reject(st, i, "conversation: no conversation with this id on an earlier line or in the database");
        continue;
      }
      const key = now.erasedAt ? undefined : st.keys.get(now.id) ?? this.caches.keys.get(now.id);
      if (!key) {
        this.reject(st, i, "conversation: the conversation was erased; it takes no more writes");
        this.caches.convs.delete(i.rec.conversation);
        continue;
      }
      if (i.rec.type === "message") {
        messageRows.push(...sealMessages(key, now.id, [i.rec]));
        if (now.subjectId && (!touched.has(now.subjectId) || touched.get(now.subjectId)! < i.rec.sentAt)) touched.set(now.subjectId, i.rec.sentAt);
      } else {
        noteRows.push(...sealNotes(key, now.id, [i.rec]));
      }
    }
    if (messageRows.length) {
      const added = await insertSealedMessages(tx, messageRows);
      const inserted = [...added.values()].reduce((a, b) => a + b, 0);
      st.counts.messages.inserted += inserted;
      st.counts.messages.duplicate += messageRows.length - inserted;
    }
    if (noteRows.length) {
      const inserted = await insertSealedNotes(tx, noteRows);
      st.counts.notes.inserted += inserted;
      st.counts.notes.duplicate += noteRows.length - inserted;
    }
    await touchSubjects(tx, touched);
  }
}

/** The record-by-record fallback sees what earlier records of the batch did. */
function mergedView(base: Staged, one: Staged): Staged {
  for (const [k, v] of base.subjects) one.subjects.set(k, v);
  for (const [k, v] of base.convs) one.convs.set(k, v);
  for (const [k, v] of base.keys) one.keys.set(k, v);
  return one;
}

function mergeStaged(into: Staged, from: Staged): void {
  for (const [k, v] of from.subjects) into.subjects.set(k, v);
  for (const [k, v] of from.convs) into.convs.set(k, v);
  for (const [k, v] of from.keys) into.keys.set(k, v);
  into.rejects.push(...from.rejects);
  addCounts(into.counts, from.counts);
}

/* ---------------- the run ---------------- */

export function defaultCheckpointFile(file: string): string {
  return `${path.resolve(file)}.checkpoint.json`;
}

export async function importNdjson(ctx: AppContext, opts: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const file = path.resolve(opts.file);
  const totalBytes = fs.statSync(file).size;
  const checkpointFile = opts.checkpointFile ?? defaultCheckpointFile(file);
  const batchSize = Math.max(1, opts.batchSize ?? 500);
  const progressEvery = Math.max(1, opts.progressEvery ?? 1000);
  const maxLineBytes = opts.maxLineBytes ?? 2 * 1024 * 1024;
  const actor: Actor = opts.actor ?? { type: "system", id: "import" };
  const print = fingerprint(file);

  let counts = emptyCounts();
  let rejected: RejectedLine[] = [];
  let line = 0;
  let offset = 0;
  let checkpointIgnored: string | undefined;
  const previous = opts.restart ? undefined : readCheckpoint(checkpointFile);
  if (previous) {
    if (previous.fingerprint !== print) checkpointIgnored = "the file's beginning changed";
    else if (previous.orgId !== opts.orgId) checkpointIgnored = "it was for another organization";
    else if (previous.offset > totalBytes) checkpointIgnored = "the file is shorter than the checkpoint";
    else {
      counts = previous.counts;
      rejected = previous.rejected;
      line = previous.line;
      offset = previous.offset;
    }
  }
  const resumedFromLine = line;
  let committedLine = line;
  let committedOffset = offset;
  let messagesThisRun = 0;

  const importer = new Importer(ctx, opts.orgId);
  let items: Item[] = [];
  let parseRejects: RejectedLine[] = [];
  let blank = 0;
  let batchStart = line + 1;

  const progress = (bytesRead: number) => {
    const elapsedMs = Date.now() - started;
    opts.onProgress?.({ line, bytesRead, totalBytes, counts, elapsedMs, messagesPerSecond: elapsedMs > 0 ? (messagesThisRun * 1000) / elapsedMs : 0 });
  };
  const save = (complete: boolean) =>
    writeCheckpoint(checkpointFile, {
      version: CHECKPOINT_VERSION, fingerprint: print, orgId: opts.orgId, line: committedLine, offset: committedOffset,
      counts, rejected, complete, updatedAt: new Date().toISOString(),
    });
  // One commit in flight while the next batch is read and parsed: the CPU work overlaps the
  // database's. Commits still run one after another, in file order.
  let inflight: Promise<void> = Promise.resolve();
  const state: { failure?: { error: unknown } } = {};
  const rethrow = () => {
    if (state.failure) throw state.failure.error;
  };
  const commitBatch = async (batch: { items: Item[]; parseRejects: RejectedLine[]; blank: number; fromLine: number; toLine: number; endOffset: number }) => {
    const staged = await importer.commit(batch.items, batch.parseRejects, { fromLine: batch.fromLine, toLine: batch.toLine, blank: batch.blank }, actor);
    addCounts(counts, staged.counts);
    messagesThisRun += staged.counts.messages.inserted + staged.counts.messages.duplicate;
    for (const r of staged.rejects) {
      if (rejected.length < KEEP_REJECTS) rejected.push(r);
      opts.onReject?.(r);
    }
    committedLine = batch.toLine;
    committedOffset = batch.endOffset;
    save(false);
    progress(batch.endOffset);
  };
  const flush = async (endOffset: number) => {
    await inflight;
    rethrow();
    if (line < batchStart) return;
    const batch = { items, parseRejects, blank, fromLine: batchStart, toLine: line, endOffset };
    items = [];
    parseRejects = [];
    blank = 0;
    batchStart = line + 1;
    inflight = commitBatch(batch).catch((error: unknown) => {
      state.failure = { error };
    });
  };

  let aborted = false;
  let lastEnd = offset;
  for await (const raw of readLines(file, offset, maxLineBytes)) {
    if (opts.signal?.aborted || state.failure) {
      aborted = true;
      break;
    }
    line += 1;
    lastEnd = raw.end;
    const text = raw.text === null ? null : line === 1 ? raw.text.replace(/^\uFEFF/, "") : raw.text;
    if (text === null) parseRejects.push({ line, reason: `line longer than ${maxLineBytes} bytes` });
    else if (text.trim() === "") blank += 1;
    else {
      const parsed = parseLine(text);
      if ("rec" in parsed) items.push({ line, rec: parsed.rec });
      else parseRejects.push({ line, reason: parsed.reason });
    }
    if (items.length >= batchSize) await flush(raw.end);
    else if (line % progressEvery === 0) progress(raw.end);
  }
  await inflight;
  rethrow();
  if (!aborted && opts.signal?.aborted) aborted = true;
  if (!aborted) {
    await flush(lastEnd);
    await inflight;
    rethrow();
    save(true);
  }
  return {
    status: aborted ? "aborted" : "complete",
    counts,
    rejected,
    resumedFromLine,
    lastCommittedLine: committedLine,
    checkpointFile,
    elapsedMs: Date.now() - started,
    ...(checkpointIgnored ? { checkpointIgnored } : {}),
  };
}
