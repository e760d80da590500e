/**
 * Writes the Art. 15 access package (access_zip) and the Art. 20 export (export_json) as a ZIP,
 * streaming: each conversation is read from the database a page at a time and written straight
 * into the archive, one entry after another, with backpressure from the archive down to the
 * file. Every entry is hashed as it is written; manifest.json (last) lists the hashes and is
 * signed with the organization's Ed25519 key.
 */
import crypto from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { PassThrough, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ZipArchive } from "archiver";
import { and, count, desc, eq, or, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { messages, requests } from "../db/schema/index.js";
import { readIp, readNotesWithIds, readStatements, type Conversation, type ReadMessage } from "../chats/conversation-store.js";
import { PackageRedactions } from "./package-redactions.js";
import { partialRefusalNotice, partialRefusalNoticeDocument } from "./partial-refusal-notice.js";
import { organizationSigningKey } from "../platform/organizations.js";
import { translator } from "../platform/i18n.js";
import { safeFileName } from "../platform/text.js";
import { TranscriptHtmlWriter, formatDateTime } from "./render/transcript-html.js";
import { exportJsonSchema } from "./json-schema.js";
import { articleFifteenInfo } from "./information.js";
import { requestHistory } from "./request-history.js";
import {
  MANIFEST_FILE, MANIFEST_FORMAT, manifestFileBytes, publicKeyFingerprint, signManifest,
  type ManifestBody, type ManifestFile,
} from "./manifest.js";
import {
  SenderLabeller, messagePages, notesWithheldReason,
  type OrganizationRow, type PackagedMessage, type RequestRow, type Scope, type SubjectRow, type WithheldItem,
} from "./package-data.js";
import { renderReadmeHtml, type ReadmeFile } from "./readme.js";
import { intlLocale, isoWithOffset, localDate, packageLocale } from "./time.js";
import type { ExportRow } from "./export-row.js";
import { orgExportDir } from "../platform/export-files.js";
import { DecryptStream, EncryptStream } from "../platform/stream-crypto.js";
import { buildTimings } from "../platform/build-timings.js";

/** zlib level for ZIP entries: the usual default, a good balance for text. */
export const ZIP_LEVEL = 6;

export interface PackageInput {
  ctx: AppContext;
  exportRow: ExportRow;
  request: RequestRow;
  org: OrganizationRow;
  subject: SubjectRow | null;
  scope: Scope;
  issuedAt: Date;
  verificationCode: string;
  /** Aborts when the build's job is no longer this instance's (lease lost, shutdown). */
  signal?: AbortSignal;
}

export interface PackageResult {
  manifest: ManifestBody;
  signature: string;
  withheld: WithheldItem[];
}

type Write = (chunk: string | Buffer) => Promise<void>;

const ENTRY_BUFFER_BYTES = 1024 * 1024;

/** A ZIP written one entry at a time, each entry hashed as it streams. */
class StreamingZip {
  private readonly archive = new ZipArchive({ zlib: { level: ZIP_LEVEL } });
  private readonly done: Promise<void>;
  private readonly failed: Promise<never>;
  readonly files: ManifestFile[] = [];
  private appended = 0;
  private finished = 0;
  private onEntry: (() => void) | undefined;

  constructor(out: Writable, private readonly date: Date) {
    this.done = pipeline(this.archive, out);
    this.archive.on("entry", () => {
      this.finished += 1;
      this.onEntry?.();
    });
    this.failed = new Promise<never>((_, reject) => {
      this.done.catch(reject);
      this.archive.on("warning", reject);
    });
    this.failed.catch(() => undefined);
  }

  async add(entryName: string, produce: (write: Write) => Promise<void>, track = true): Promise<void> {
    // Entry names are built from numbers and dates; this keeps them safe should one ever carry text.
    const name = safeFileName(entryName);
    // Room for a whole page of messages: the build reads and renders the next page while zlib's
    // thread compresses this one, instead of waiting for every 16 KiB to drain.
    const source = new PassThrough({ highWaterMark: ENTRY_BUFFER_BYTES });
    const hash = crypto.createHash("sha256");
    let bytes = 0;
    await buildTimings.timeAsync("zip", () => this.entriesAheadAtMost(1));
    this.appended += 1;
    this.archive.append(source, { name, date: this.date });
    const write: Write = async (chunk) => {
      const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      if (buf.length === 0) return;
      hash.update(buf);
      bytes += buf.length;
      if (!source.write(buf)) await buildTimings.timeAsync("zip", () => Promise.race([once(source, "drain"), this.failed]));
    };
    try {
      await produce(write);
    } catch (err) {
      source.destroy();
      throw err;
    }
    // Not waiting for the archive to finish this entry: it queues entries in order, so the next
    // one is read and rendered (into its own bounded buffer) while zlib still compresses this one.
    source.end();
    if (track) this.files.push({ path: name, sha256: hash.digest("hex"), bytes });
  }

  /**
   * Waits until at most `n` earlier entries are still being compressed: one entry may be
   * compressed while the next is produced, but no more queue up, so memory stays bounded by
   * two entries' buffers however many entries a package has.
   */
  private async entriesAheadAtMost(n: number): Promise<void> {
    while (this.appended - this.finished > n) {
      await Promise.race([new Promise<void>((resolve) => (this.onEntry = resolve)), this.failed]);
    }
    this.onEntry = undefined;
  }

  addBuffer(name: string, content: string | Buffer, track = true): Promise<void> {
    return this.add(name, (write) => write(content), track);
  }

  async finish(): Promise<void> {
    void this.archive.finalize().catch(() => undefined);
    await buildTimings.timeAsync("zip", () => Promise.race([this.done, this.failed]));
  }

  abort(): void {
    this.archive.abort();
    this.archive.destroy();
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const html = (render: () => string) => buildTimings.time("renderHtml", render);
const jsonText = (render: () => string) => buildTimings.time("renderJson", render);

export async function writeZipPackage(input: PackageInput, out: Writable): Promise<PackageResult> {
  const { ctx, org, request, scope, issuedAt, verificationCode } = input;
  const kind = input.exportRow.kind;
  if (kind !== "access_zip" && kind !== "export_json") throw new Error(`not a zip kind: ${kind}`);
  const locale = packageLocale(request.locale, org.defaultLocale);
  const t = translator(locale);
  const intl = intlLocale(locale);
  const tz = org.timeZone;
  const iso = (d: Date) => isoWithOffset(d, tz);
  const isoOrNull = (d: Date | null | undefined) => (d ? iso(d) : null);
  const labeller = new SenderLabeller(t);
  // The DPO's review: withheld spans and items become "[withheld: reason]" in every format.
  const redactions = await PackageRedactions.load(ctx.db, ctx.keys, request.id, scope.readable, t);
  const redacted = (conv: Conversation, page: ReadMessage[]) => page.map((m) => ({ ...m, body: redactions.message(conv.id, m.id, m.body) }));
  const verifyUrl = `${ctx.config.BASE_URL}/verify`;
  const keySha256 = publicKeyFingerprint(org.signingPublicKey);
  const notesReason = notesWithheldReason(request);
  const withHtml = kind === "access_zip";

  const width = Math.max(3, String(scope.readable.length).length);
  const convFiles = scope.readable.map((c, i) => ({
    conv: c,
    base: `conversations/${String(i + 1).padStart(width, "0")}-${localDate(c.startedAt, tz)}`,
  }));
  const readmeFiles: ReadmeFile[] = [];
  const describe = (path: string, key: string, vars?: Record<string, string | number>) => readmeFiles.push({ path, description: t(key, vars) });

  const zip = new StreamingZip(out, issuedAt);
  try {
    // profile.json
    await zip.addBuffer("profile.json", json(await profileJson(input, iso, isoOrNull, convFiles)));
    describe("profile.json", "exports.readme.file.profile");

    // conversations
    for (const { conv, base } of convFiles) {
      input.signal?.throwIfAborted();
      const vars = { date: formatDateTime(conv.startedAt, intl, tz), topic: conv.topic ?? t("exports.transcript.noTopic") };
      const [counted] = await ctx.db.select({ n: count() }).from(messages).where(eq(messages.conversationId, conv.id));
      const messageCount = Number(counted?.n ?? 0);
      const statements = await readStatements(ctx.db, ctx.keys, conv);
      const ipAddress = await readIp(ctx.db, ctx.keys, conv);
      const jsonWriter = new ConversationJsonWriter(conv, messageCount, tz, ipAddress);
      if (withHtml) {
        // One pass over the messages: the HTML goes into the archive, the JSON is held aside and
        // appended next, in memory while it is small, else in a spool file (see jsonHoldingArea).
        const spoolPath = path.join(orgExportDir(ctx.config, org.id), `${input.exportRow.id}.${input.exportRow.attempts}.spool`);
        const spool = jsonHoldingArea(spoolPath);
        try {
          await zip.add(`${base}.html`, async (write) => {
            const writer = new TranscriptHtmlWriter(
              { id: conv.id, topic: conv.topic, startedAt: conv.startedAt, endedAt: conv.endedAt, messageCount, ipAddress },
              { orgName: org.name, reference: request.reference, timeZone: tz, locale: intl, t },
            );
            await write(html(() => writer.begin()));
            await spool.write(jsonText(() => jsonWriter.begin()));
            for await (const page of messagePages(ctx.db, ctx.keys, conv)) {
              const labelled = redacted(conv, page).map((m) => ({ m, sender: labeller.label(m) }));
              await write(html(() => writer.messages(labelled.map(({ m, sender }) => ({ sentAt: m.sentAt, senderRole: m.senderRole, senderLabel: sender, body: m.body })))));
              await spool.write(jsonText(() => jsonWriter.messages(labelled)));
            }
            await write(html(() => writer.end(statements)));
            await spool.write(jsonText(() => jsonWriter.end(statements)));
          });
          await spool.close();
          describe(`${base}.html`, "exports.readme.file.conversationHtml", vars);
          await zip.add(`${base}.json`, async (write) => {
            for await (const chunk of spool.read()) await write(chunk);
          });
        } finally {
          await spool.discard();
        }
      } else {
        await zip.add(`${base}.json`, async (write) => {
          await write(jsonText(() => jsonWriter.begin()));
          for await (const page of messagePages(ctx.db, ctx.keys, conv)) {
            await write(jsonText(() => jsonWriter.messages(redacted(conv, page).map((m) => ({ m, sender: labeller.label(m) })))));
          }
          await write(jsonText(() => jsonWriter.end(statements)));
        });
      }
      describe(`${base}.json`, "exports.readme.file.conversationJson", vars);
    }

    // notes.json (counsellor notes), unless withheld with a recorded reason
    const withheld: WithheldItem[] = [];
    if (notesReason) {
      withheld.push({ kind: "counsellor_notes", reason: notesReason, basis: "GDPR Art. 15(4)" });
    } else {
      await zip.add("notes.json", async (write) => {
        await write(`{\n  "format": "rightsdesk-notes/1",\n  "notes": [`);
        let first = true;
        for (const { conv } of convFiles) {
          for (const n of await readNotesWithIds(ctx.db, ctx.keys, conv)) {
            const body = redactions.note(conv.id, n.id, n.body);
            await write(`${first ? "" : ","}\n    ${JSON.stringify({ conversationId: conv.id, createdAt: iso(n.createdAt), body })}`);
            first = false;
          }
        }
        await write(`${first ? "" : "\n  "}]\n}\n`);
      });
      describe("notes.json", "exports.readme.file.notes");
    }
    withheld.push(...labeller.withheld(), ...redactions.withheld());
    if (scope.notLinked > 0) withheld.push({ kind: "conversations_not_linked", count: scope.notLinked, basis: "GDPR Art. 15(4)" });

    const info = await articleFifteenInfo(ctx.db, org, locale, t, ctx.config.BASE_URL, scope.readable);
    // Art. 12(4): anything the review withheld is a partial refusal, explained with the package.
    const notice = partialRefusalNotice({ orgName: org.name, country: org.country, authorityCountry: org.authorityCountry, counts: redactions.applied(), t });
    if (notice) {
      await zip.addBuffer("NOTICE.html", partialRefusalNoticeDocument(notice, intl));
      describe("NOTICE.html", "exports.readme.file.notice");
    }
    if (kind === "export_json") {
      await zip.addBuffer(
        "information.json",
        json({
          format: "rightsdesk-information/1",
          ...info,
          withheld: withheld.map((w) => ({ ...w, description: t(`exports.withheld.${w.kind}`, { count: w.count ?? 0, reason: w.reason ?? "" }) })),
          partialRefusalNotice: notice ?? null,
          erasedConversations: scope.erased.map((c) => ({ startedAt: iso(c.startedAt), topic: c.topic, erasedAt: isoOrNull(c.erasedAt), erasedByReference: c.erasedByReference })),
        }),
      );
      describe("information.json", "exports.readme.file.information");
      await zip.addBuffer("schema.json", json(exportJsonSchema));
      describe("schema.json", "exports.readme.file.schema");
    }
    describe(MANIFEST_FILE, "exports.readme.file.manifest", { org: org.name });

    const readme = renderReadmeHtml({
      kind,
      orgName: org.name,
      reference: request.reference,
      issuedAt,
      locale: intl,
      timeZone: tz,
      verificationCode,
      verifyUrl,
      keySha256,
      files: [{ path: "README.html", description: t("exports.readme.file.readme") }, ...readmeFiles],
      conversationCount: convFiles.length,
      info,
      history: await requestHistory(ctx, org.id, request),
      withheld,
      erased: scope.erased,
      notice,
      t,
    });
    await zip.addBuffer("README.html", readme);

    const manifest: ManifestBody = {
      format: MANIFEST_FORMAT,
      exportId: input.exportRow.id,
      kind,
      organization: { id: org.id, name: org.name, signingKeySha256: keySha256 },
      request: { reference: request.reference },
      issuedAt: iso(issuedAt),
      verificationCode,
      verifyUrl,
      locale,
      files: [...zip.files],
    };
    const signature = signManifest(manifest, organizationSigningKey(ctx.keys, org));
    await zip.addBuffer(MANIFEST_FILE, manifestFileBytes(manifest, signature), false);
    await zip.finish();
    return { manifest, signature, withheld };
  } catch (err) {
    zip.abort();
    throw err;
  }
}

async function profileJson(
  input: PackageInput,
  iso: (d: Date) => string,
  isoOrNull: (d: Date | null | undefined) => string | null,
  convFiles: { conv: Conversation; base: string }[],
) {
  const { ctx, org, request, subject } = input;
  const own: SQL[] = [];
  if (request.subjectId) own.push(eq(requests.subjectId, request.subjectId));
  if (request.receiptConversationId) own.push(eq(requests.receiptConversationId, request.receiptConversationId));
  const mine = own.length === 0
    ? [request]
    : await ctx.db.select().from(requests).where(and(eq(requests.orgId, org.id), own.length === 1 ? own[0]! : or(...own)!)).orderBy(desc(requests.receivedAt));
  return {
    format: "rightsdesk-profile/1",
    organization: { name: org.name },
    request: { reference: request.reference, type: request.type, receivedAt: iso(request.receivedAt) },
    knownBy: subject ? "account" : "receipt_code",
    subject: subject
      ? {
          email: subject.email,
          displayName: subject.displayName,
          locale: subject.locale,
          chatPlatformId: subject.externalId,
          emailVerifiedAt: isoOrNull(subject.emailVerifiedAt),
          identityVerifiedByStaffAt: isoOrNull(subject.staffVerifiedAt),
          restrictedAt: isoOrNull(subject.restrictedAt),
          researchObjectionAt: isoOrNull(subject.researchObjectionAt),
          consentWithdrawnAt: isoOrNull(subject.consentWithdrawnAt),
          lastActivityAt: isoOrNull(subject.lastActivityAt),
          createdAt: iso(subject.createdAt),
        }
      : null,
    requests: mine.map((r) => ({ reference: r.reference, type: r.type, status: r.status, receivedAt: iso(r.receivedAt), completedAt: isoOrNull(r.completedAt) })),
    conversations: convFiles.map(({ conv, base }) => ({ file: `${base}.json`, id: conv.id, startedAt: iso(conv.startedAt), topic: conv.topic })),
  };
}

/** conversations/<n>-<date>.json, written in pieces as messages are read. */
class ConversationJsonWriter {
  private first = true;

  constructor(
    private readonly conv: Conversation,
    private readonly messageCount: number,
    private readonly tz: string,
    private readonly ipAddress: string | null,
  ) {}

  begin(): string {
    const { conv, tz } = this;
    const header = {
      format: "rightsdesk-conversation/1",
      id: conv.id,
      topic: conv.topic,
      language: conv.language,
      startedAt: isoWithOffset(conv.startedAt, tz),
      endedAt: conv.endedAt ? isoWithOffset(conv.endedAt, tz) : null,
      timeZone: tz,
      ipAddress: this.ipAddress,
      onLegalHold: conv.legalHoldAt !== null,
      restricted: conv.restrictedAt !== null,
      messageCount: this.messageCount,
    };
    const head = JSON.stringify(header, null, 2);
    return `${head.slice(0, head.lastIndexOf("\n}"))},\n  "messages": [`;
  }

  messages(page: { m: ReadMessage; sender: string }[]): string {
    let chunk = "";
    for (const { m, sender } of page) {
      const packaged: PackagedMessage = { sentAt: isoWithOffset(m.sentAt, this.tz), senderRole: m.senderRole, sender, body: m.body };
      chunk += `${this.first ? "" : ","}\n    ${JSON.stringify(packaged)}`;
      this.first = false;
    }
    return chunk;
  }

  end(statements: { createdAt: Date; body: string }[]): string {
    const stmts = statements.map((s) => `\n    ${JSON.stringify({ createdAt: isoWithOffset(s.createdAt, this.tz), body: s.body })}`).join(",");
    return `${this.first ? "" : "\n  "}],\n  "statements": [${stmts}${statements.length ? "\n  " : ""}]\n}\n`;
  }
}

/**
 * Most conversations' JSON is a few hundred kilobytes: held in memory, it is appended without a
 * round trip through an encrypted file. A longer one spills, once it passes this many UTF-16
 * code units (about as many bytes for chat text), so memory stays bounded whatever its length.
 */
export const JSON_SPILL_UNITS = 4 * 1024 * 1024;

/** A conversation's JSON while its HTML is written: memory first, a spool file past JSON_SPILL_UNITS. */
export function jsonHoldingArea(spoolPath: string, spillUnits = JSON_SPILL_UNITS) {
  let held: string[] = [];
  let heldUnits = 0;
  let spool: Awaited<ReturnType<typeof openSpool>> | undefined;
  return {
    async write(chunk: string): Promise<void> {
      if (spool) return spool.write(chunk);
      held.push(chunk);
      heldUnits += chunk.length;
      if (heldUnits <= spillUnits) return;
      spool = await openSpool(spoolPath);
      for (const c of held) await spool.write(c);
      held = [];
    },
    close: async (): Promise<void> => spool?.close(),
    read: (): Iterable<Buffer | string> | AsyncIterable<Buffer | string> => (spool ? spool.read() : held),
    async discard(): Promise<void> {
      held = [];
      await spool?.discard();
    },
  };
}

/** A scratch file written with backpressure, removed whatever happens. */
async function openSpool(file: string) {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  const stream = fs.createWriteStream(file, { flags: "w", mode: 0o600 });
  const encrypt = new EncryptStream(key, "spool");
  const written = pipeline(encrypt, stream);
  written.catch(() => undefined);
  let closed = false;
  return {
    async write(chunk: string): Promise<void> {
      if (chunk.length > 0 && !encrypt.write(chunk)) await once(encrypt, "drain");
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      encrypt.end();
      await written;
    },
    read(): AsyncIterable<Buffer> {
      const decrypt = new DecryptStream(key, "spool");
      const source = fs.createReadStream(file, { highWaterMark: 256 * 1024 }).on("error", (err) => decrypt.destroy(err));
      return source.pipe(decrypt);
    },
    async discard(): Promise<void> {
      if (!closed) {
        closed = true;
        encrypt.destroy();
        stream.destroy();
      }
      await fsp.rm(file, { force: true });
    },
  };
}
