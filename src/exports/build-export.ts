/**
 * Job "exports.build": moves an export pending → building → ready | failed. Each attempt is
 * counted on the row and writes its own blob (platform/blob-store.ts: a temporary file fsynced and
 * renamed into place, or rows on the PostgreSQL server), which only then is named by the row in
 * the transaction that marks it ready (together with its audit entry and the ready hooks). A
 * crash or an error at any point leaves nothing served: the row is not ready, what the attempt
 * wrote is removed, and the job runner retries. Idempotent: a ready
 * or expired export is left alone; a stale attempt (its process died) is superseded by the next.
 */
import { pipeline } from "node:stream/promises";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { exports } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { newReference } from "../platform/codes.js";
import { exportBeforePublishHooks, exportReadyHooks, exportWriters, type ExportWriter } from "./hooks.js";
import type { ExportRow } from "./export-row.js";
import { loadExportContext, resolveScope, type WithheldItem } from "./package-data.js";
import { writeZipPackage, type PackageInput } from "./zip-package.js";
import { finishPdfManifest, writePolicePdf } from "./police-pdf.js";
import { HashingStream, encryptingStream, newFileKey } from "../platform/export-files.js";
import { exportBlobStore, type BlobWrite } from "../platform/blob-store.js";
import type { ManifestBody } from "./manifest.js";
import { ContentErasedError } from "../chats/conversation-store.js";
import { isOrganizationReady } from "../settings/readiness.js";

export const DEFAULT_EXPORT_TTL_MS = 7 * 24 * 60 * 60_000;
export const DEFAULT_MAX_DOWNLOADS = 5;

/** A failure with a stable code shown to staff on the export (never personal data). */
export class ExportBuildError extends Error {
  constructor(
    readonly code: string,
    readonly permanent = false,
    options?: { cause?: unknown },
  ) {
    super(code, options);
    this.name = "ExportBuildError";
  }
}

const EXTENSIONS = { access_zip: "zip", export_json: "zip", police_pdf: "pdf", dossier: "pdf" } as const;
const FILE_SUFFIX = { access_zip: "access", export_json: "export", police_pdf: "police-transcript", dossier: "dossier" } as const;

export function exportContentType(kind: ExportRow["kind"]): string {
  return EXTENSIONS[kind] === "zip" ? "application/zip" : "application/pdf";
}

function registeredWriter(kind: ExportRow["kind"]): ExportWriter {
  const writer = exportWriters[kind];
  if (!writer) throw new ExportBuildError("no_writer", true);
  return writer;
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/** Marks the export building and counts the attempt; assigns its verification code once. */
async function claim(ctx: AppContext, exportId: string): Promise<ExportRow | undefined> {
  for (let tries = 0; ; tries++) {
    try {
      const [row] = await ctx.db
        .update(exports)
        .set({
          status: "building",
          attempts: sql`${exports.attempts} + 1`,
          error: null,
          verificationCode: sql`coalesce(${exports.verificationCode}, ${newReference("V")})`,
        })
        .where(and(eq(exports.id, exportId), inArray(exports.status, ["pending", "building", "failed"])))
        .returning();
      return row;
    } catch (err) {
      if (!isUniqueViolation(err) || tries >= 5) throw err;
    }
  }
}

function errorCode(err: unknown): { code: string; permanent: boolean } {
  if (err instanceof ExportBuildError) return { code: err.code, permanent: err.permanent };
  const fsCode = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof fsCode === "string" && /^E[A-Z]+$/.test(fsCode)) return { code: "storage_error", permanent: false };
  if (err instanceof ContentErasedError) return { code: "content_unavailable", permanent: false };
  return { code: "internal", permanent: false };
}

async function markFailed(ctx: AppContext, row: ExportRow, code: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [failed] = await tx
      .update(exports)
      .set({ status: "failed", error: code })
      .where(and(eq(exports.id, row.id), eq(exports.status, "building"), eq(exports.attempts, row.attempts)))
      .returning({ id: exports.id });
    if (!failed) return;
    await appendAudit(tx, ctx, {
      orgId: row.orgId,
      actor: systemActor,
      action: "export.failed",
      target: { type: "export", id: row.id },
      details: { kind: row.kind, attempt: row.attempts, code },
    });
  });
}

/**
 * `signal` is the job's: once it aborts (the job was taken over, or the process shuts down) the
 * build stops at the next conversation and leaves the export building, for the next attempt.
 */
export async function buildExport(ctx: AppContext, exportId: string, signal?: AbortSignal): Promise<void> {
  const row = await claim(ctx, exportId);
  if (!row) return; // ready, expired or gone: nothing to do
  const store = exportBlobStore(ctx);
  let blob: BlobWrite | undefined;
  let committed = false;
  try {
    const loaded = await loadExportContext(ctx.db, ctx.keys, row);
    if (!loaded) throw new ExportBuildError("request_missing", true);
    // An access package states the Art. 15 information from the settings: never one with gaps.
    if ((row.kind === "access_zip" || row.kind === "export_json") && !(await isOrganizationReady(ctx.db, loaded.org))) {
      throw new ExportBuildError("settings_incomplete", true);
    }
    const scope = await resolveScope(ctx.db, loaded.request);
    const input: PackageInput = { ctx, exportRow: row, ...loaded, scope, issuedAt: ctx.clock.now(), verificationCode: row.verificationCode!, signal };

    // A kind written elsewhere (the dossier, a PDF or a ZIP) names its own format; the others have one.
    const writer = row.kind === "dossier" ? registeredWriter(row.kind) : undefined;
    const ext = writer ? writer.extension(row) : EXTENSIONS[row.kind];
    blob = await store.create({ orgId: row.orgId, exportId: row.id, attempt: row.attempts, ext });
    const hasher = new HashingStream();
    // Hashed as plaintext (what the requester will hold and /verify checks), encrypted on its way to the store.
    const fileKey = newFileKey(ctx.keys);
    const written = pipeline(hasher, encryptingStream(fileKey.key, row.id), blob.sink); // resolves once the blob is durable
    written.catch(() => undefined);

    let manifest: ManifestBody;
    let signature: string;
    let withheld: WithheldItem[];
    const fileName = `${loaded.request.reference}-${FILE_SUFFIX[row.kind]}.${ext}`;
    if (row.kind === "police_pdf") {
      const result = await writePolicePdf(input, hasher); // ends `hasher` when the PDF is complete
      await written;
      ({ manifest, signature } = finishPdfManifest(ctx, input, result, { name: fileName, sha256: hasher.digest(), bytes: hasher.bytes }));
      withheld = result.withheld;
    } else if (writer) {
      ({ manifest, signature, withheld } = await writer.write(input, hasher, written));
    } else {
      ({ manifest, signature, withheld } = await writeZipPackage(input, hasher));
      await written;
    }
    // PDFs name their own hash in the manifest (the hasher is read once); ZIPs are hashed here.
    const sha256 = manifest.file ? manifest.file.sha256 : hasher.digest();
    const sizeBytes = hasher.bytes;

    for (const hook of exportBeforePublishHooks) {
      try {
        await hook(ctx, { exportId: row.id, kind: row.kind, open: blob.openWritten, sha256, sizeBytes });
      } catch (err) {
        throw new ExportBuildError("publish_check_failed", false, { cause: err });
      }
    }
    signal?.throwIfAborted();
    await blob.publish();

    const now = ctx.clock.now();
    await ctx.db.transaction(async (tx) => {
      const [ready] = await tx
        .update(exports)
        .set({
          status: "ready",
          fileName,
          path: blob!.id,
          fileKeyWrapped: fileKey.wrapped,
          sizeBytes,
          sha256,
          manifest: manifest as unknown as Record<string, unknown>,
          signature,
          withheld: withheld as unknown as Record<string, unknown>[],
          error: null,
          expiresAt: new Date(now.getTime() + DEFAULT_EXPORT_TTL_MS),
          readyAt: now,
        })
        .where(and(eq(exports.id, row.id), eq(exports.status, "building"), eq(exports.attempts, row.attempts)))
        .returning();
      if (!ready) throw new ExportBuildError("superseded");
      await appendAudit(tx, ctx, {
        orgId: row.orgId,
        actor: systemActor,
        action: "export.ready",
        target: { type: "export", id: row.id },
        subjectId: loaded.request.subjectId,
        details: { kind: row.kind, reference: loaded.request.reference, attempt: row.attempts, sizeBytes, sha256, withheld: withheld.map((w) => w.kind) },
      });
      for (const hook of exportReadyHooks) {
        try {
          await hook(tx, ctx, ready);
        } catch (err) {
          throw new ExportBuildError("ready_hook_failed", false, { cause: err });
        }
      }
    });
    committed = true;
    await store.removeOtherAttempts(row.orgId, row.id, blob.id);
    ctx.logger.info({ exportId: row.id, kind: row.kind, attempt: row.attempts, sizeBytes }, "export ready");
  } catch (err) {
    if (!committed) await blob?.abort().catch(() => undefined);
    if (signal?.aborted) throw err; // not a failure of the export: the next attempt builds it
    const { code, permanent } = errorCode(err);
    if (code === "superseded") return; // a later attempt owns this export
    ctx.logger.warn({ exportId: row.id, kind: row.kind, attempt: row.attempts, code, err: err instanceof Error ? err.name : "error" }, "export build failed");
    await markFailed(ctx, row, code);
    if (!permanent) throw err;
  }
}
