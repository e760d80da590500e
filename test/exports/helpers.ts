import crypto from "node:crypto";
import fs from "node:fs";
import yauzl from "yauzl";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject, readyPrivacyInfo } from "../support/factories.js";
import { exports, requests, recipients, retentionPolicies, type RequestScope, type RequestType } from "../../src/db/schema/index.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { jobDefinitions } from "../../src/jobs.js";
import { newReference } from "../../src/platform/codes.js";
import { queueExport, type QueueableExportKind } from "../../src/exports/queue-export.js";
import path from "node:path";
import { like } from "drizzle-orm";
import { exportsRoot, orgExportDir } from "../../src/platform/export-files.js";
import { exportBlobStore, readDecryptedExport } from "../../src/platform/blob-store.js";
import { HEADER_BYTES, SEALED_CHUNK_BYTES } from "../../src/platform/stream-crypto.js";
import { exportBlobChunks } from "../../src/db/schema/index.js";
import { freshContext } from "../support/context.js";
import { sealedTexts } from "../support/request-texts.js";

export const XSS = "<script>alert(1)</script>";
export const LATIN = "õ ä ö å ij š ž";

/** freshContext plus an empty exports directory (the data dir is shared by the whole run). */
export async function freshExportsContext(): Promise<TestContext> {
  const ctx = await freshContext();
  fs.rmSync(exportsRoot(ctx.config), { recursive: true, force: true });
  return ctx;
}

/** The file names of an organization's stored export blobs, in whichever store this engine uses. */
export async function storedBlobNames(ctx: TestContext, orgId: string): Promise<string[]> {
  if (exportBlobStore(ctx).kind === "files") return fs.existsSync(orgExportDir(ctx.config, orgId)) ? fs.readdirSync(orgExportDir(ctx.config, orgId)).sort() : [];
  const rows = await ctx.db.selectDistinct({ id: exportBlobChunks.blobId }).from(exportBlobChunks).where(like(exportBlobChunks.blobId, `${orgId}/%`));
  return rows.map((r) => path.basename(r.id)).sort();
}

/** Leaves a blob behind as a crashed attempt would: a file, or a row written now. */
export async function plantBlob(ctx: TestContext, orgId: string, name: string, bytes: Buffer | string): Promise<void> {
  if (exportBlobStore(ctx).kind === "files") {
    fs.mkdirSync(orgExportDir(ctx.config, orgId), { recursive: true });
    fs.writeFileSync(path.join(orgExportDir(ctx.config, orgId), name), bytes);
    return;
  }
  await ctx.db.insert(exportBlobChunks).values({ blobId: `${orgId}/${name}`, idx: 0, bytes: Buffer.from(bytes), writtenAt: new Date() });
}

/** A stored blob's bytes (ciphertext) as the store holds them, or undefined when it is gone. */
export async function storedBlobBytes(ctx: TestContext, id: string): Promise<Buffer | undefined> {
  const blob = await exportBlobStore(ctx).open(id);
  if (!blob) return undefined;
  try {
    const parts: Buffer[] = [];
    for await (const part of blob.stream()) parts.push(part as Buffer);
    return Buffer.concat(parts);
  } finally {
    await blob.close();
  }
}

/** Overwrites a stored blob with `bytes` (rows cut along sealed chunks as the store cuts them). */
export async function replaceStoredBlob(ctx: TestContext, id: string, bytes: Buffer): Promise<void> {
  if (exportBlobStore(ctx).kind === "files") return fs.writeFileSync(path.join(exportsRoot(ctx.config), id), bytes);
  await exportBlobStore(ctx).remove(id);
  for (let at = 0, idx = 0; at < bytes.length; idx++) {
    const take = idx === 0 ? HEADER_BYTES + SEALED_CHUNK_BYTES : SEALED_CHUNK_BYTES;
    await ctx.db.insert(exportBlobChunks).values({ blobId: id, idx, bytes: bytes.subarray(at, at + take) });
    at += take;
  }
}

/** Every stored blob with its bytes: what someone with a copy of the store finds. */
export async function allStoredBlobs(ctx: TestContext): Promise<{ id: string; bytes: Buffer }[]> {
  let ids: string[];
  if (exportBlobStore(ctx).kind === "files") {
    const root = exportsRoot(ctx.config);
    ids = fs.existsSync(root) ? fs.readdirSync(root).flatMap((org) => fs.readdirSync(path.join(root, org)).map((name) => path.join(org, name))) : [];
  } else {
    ids = (await ctx.db.selectDistinct({ id: exportBlobChunks.blobId }).from(exportBlobChunks)).map((r) => r.id);
  }
  return Promise.all(ids.map(async (id) => ({ id, bytes: (await storedBlobBytes(ctx, id))! })));
}

export async function exportOrg(ctx: TestContext) {
  const ready = readyPrivacyInfo(["en", "fi", "sv", "nl", "et"]);
  const org = await makeOrg(ctx, {
    name: "Tukilinja ry",
    authorityCountry: "FI",
    dpoEmail: "dpo@tukilinja.test",
    privacyInfo: {
      ...ready,
      purposes: { ...ready.purposes, en: "Chat counselling for young people", fi: "Nuorten chat-neuvonta" },
      // Named in privacy_info before the recipients table existed: still listed.
      recipients: ["Demo Chat Platform Oy (chat platform vendor)"],
    },
  });
  const rule = { periodDays: 730, basis: "last_activity", action: "tombstone" } as const;
  await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "conversations", ...rule })
    .onConflictDoUpdate({ target: [retentionPolicies.orgId, retentionPolicies.category], set: rule });
  await ctx.db.insert(recipients).values({ orgId: org.id, name: "Hosting Provider Oy", description: "Server hosting" });
  return org;
}

export async function insertRequest(
  ctx: TestContext,
  r: {
    orgId: string;
    subjectId?: string | null;
    receiptConversationId?: string | null;
    type?: RequestType;
    scope?: RequestScope;
    conversationIds?: string[];
    locale?: string;
    details?: Record<string, unknown>;
  },
) {
  const [row] = await ctx.db
    .insert(requests)
    .values({
      orgId: r.orgId,
      reference: newReference(),
      subjectId: r.subjectId ?? null,
      receiptConversationId: r.receiptConversationId ?? null,
      type: r.type ?? "access",
      scope: r.scope ?? "all_conversations",
      conversationIds: r.conversationIds ?? [],
      ...(await sealedTexts(ctx, { orgId: r.orgId, subjectId: r.subjectId ?? null }, { details: r.details })),
      dedupeKey: crypto.randomUUID(),
      status: "in_progress",
      assurance: "account",
      locale: r.locale ?? "en",
      receivedAt: ctx.clock.now(),
      dueDate: "2026-04-02",
      effectiveDueDate: "2026-04-02",
    })
    .returning();
  return row!;
}

/** An organization, a subject with two conversations (worker names, another participant, XSS, Latin letters) and a note. */
export async function scenario(ctx: TestContext, opts: { locale?: string; details?: Record<string, unknown> } = {}) {
  const org = await exportOrg(ctx);
  const subject = await makeSubject(ctx, org.id, { displayName: "Maija Meikäläinen" });
  const first = await makeConversation(ctx, org.id, {
    subjectId: subject.id,
    topic: "Kiusaaminen koulussa",
    startedAt: new Date("2026-02-01T10:00:00Z"),
    note: "Counsellor note: follow up next week",
    messages: [
      { senderRole: "subject", senderLabel: "maija_m", body: `Hei! ${XSS}` },
      { senderRole: "worker", senderLabel: "Päivystäjä Kaisa Virtanen", body: `Hei, olen täällä. ${LATIN}` },
      { senderRole: "other", senderLabel: "bully99", body: "you are nothing" },
      { senderRole: "other", senderLabel: "friend_anna", body: "leave her alone" },
      { senderRole: "system", senderLabel: null, body: "The chat worker left the chat." },
    ],
  });
  const second = await makeConversation(ctx, org.id, {
    subjectId: subject.id,
    topic: "Follow-up",
    startedAt: new Date("2026-02-10T18:30:00Z"),
    messages: [
      { senderRole: "other", senderLabel: "bully99", body: "again me" },
      { senderRole: "worker", senderLabel: "Päivystäjä Mikko", body: "Welcome back" },
    ],
  });
  // Someone else's conversation in the same organization: never in this subject's package.
  const stranger = await makeSubject(ctx, org.id);
  const foreign = await makeConversation(ctx, org.id, { subjectId: stranger.id, messages: [{ body: "not yours" }] });
  const request = await insertRequest(ctx, { orgId: org.id, subjectId: subject.id, locale: opts.locale, details: opts.details });
  return { org, subject, first, second, foreign, request };
}

export async function queue(ctx: TestContext, requestId: string, kind: QueueableExportKind) {
  return ctx.db.transaction((tx) => queueExport(tx, ctx, { requestId, kind }));
}

export function runJobs(ctx: TestContext): Promise<number> {
  return new JobRunner(ctx, jobDefinitions()).drain();
}

export async function exportRow(ctx: TestContext, id: string) {
  const [row] = await ctx.db.select().from(exports).where(eq(exports.id, id));
  return row!;
}

export async function buildNow(ctx: TestContext, requestId: string, kind: QueueableExportKind) {
  const queued = await queue(ctx, requestId, kind);
  await runJobs(ctx);
  const row = await exportRow(ctx, queued.id);
  return { row, file: row.path ? await readDecryptedExport(ctx, row) : Buffer.alloc(0) };
}

/** Every entry of a ZIP, read with yauzl (a reader independent of ours). */
export function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error("no zip"));
      const files = new Map<string, Buffer>();
      zip.on("error", reject);
      zip.on("end", () => resolve(files));
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error("no stream"));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

export const sha256 = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

/** The same canonical form the manifest is signed over: sorted keys, no whitespace. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Checks a manifest.json the way an outside verifier would: every hash, and the signature with the published key. */
export function checkManifest(files: Map<string, Buffer>, publicKeyPem: string) {
  const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8")) as Record<string, unknown> & {
    files: { path: string; sha256: string; bytes: number }[];
    signature: { algorithm: string; value: string };
  };
  const { signature, ...body } = manifest;
  const signatureOk = crypto.verify(null, Buffer.from(canonical(body)), crypto.createPublicKey(publicKeyPem), Buffer.from(signature.value, "base64"));
  const mismatches = manifest.files.filter((f) => !files.has(f.path) || sha256(files.get(f.path)!) !== f.sha256 || files.get(f.path)!.length !== f.bytes);
  const unlisted = [...files.keys()].filter((n) => n !== "manifest.json" && !manifest.files.some((f) => f.path === n));
  return { manifest, signatureOk, mismatches, unlisted };
}
