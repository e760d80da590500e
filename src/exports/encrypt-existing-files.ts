/**
 * Data migration (issue 18): encrypts in place the export files written before encryption at
 * rest — each ready export's plaintext file is streamed through the cipher under a new key into
 * the blob store: embedded, a temporary file renamed over the old one (atomic, so no
 * half-encrypted file is ever named); on a server, rows under the same id, so every instance
 * serves it. The row keeps the wrapped key in the migration's transaction. Encrypting in place (rather
 * than expiring them) keeps packages that requesters have not fetched yet downloadable.
 *
 * Should the process die between the rename and the commit, the file is ciphertext under a key
 * that was never stored; the next run finds it (it starts with the cipher's magic) and expires
 * the export and deletes the file: nothing readable is left, and the requester can ask again.
 * Files already gone expire too. One audit entry of counts.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { exports } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { absoluteExportPath, encryptingStream, newFileKey } from "../platform/export-files.js";
import { exportBlobStore, type BlobName } from "../platform/blob-store.js";
import { isSealedFile } from "../platform/stream-crypto.js";

export const EXPORT_FILES_ENCRYPTED = "data.export_files_encrypted";

export async function encryptExistingExportFiles(ctx: AppContext, tx: Tx): Promise<void> {
  const legacy = await tx
    .select({ id: exports.id, path: exports.path })
    .from(exports)
    .where(and(eq(exports.status, "ready"), isNotNull(exports.path), isNull(exports.fileKeyWrapped)));
  const counts = { encrypted: 0, expired: 0 };
  const store = exportBlobStore(ctx);
  for (const row of legacy) {
    const file = absoluteExportPath(ctx.config, row.path!);
    const name = blobNameOf(row.path!);
    if (!name || !(await readable(file)) || (await isSealedFile(file))) {
      await tx.update(exports).set({ status: "expired", error: "file_unavailable" }).where(eq(exports.id, row.id));
      await fsp.rm(file, { force: true });
      counts.expired += 1;
      continue;
    }
    const key = newFileKey(ctx.keys);
    // The blob keeps the file's name: on local files a temporary file renamed over it, on a
    // server rows under that id (and the local plaintext is removed).
    const blob = await store.create(name);
    try {
      await pipeline(fs.createReadStream(file), encryptingStream(key.key, row.id), blob.sink);
    } catch (err) {
      await blob.abort();
      throw err;
    }
    await blob.publish();
    if (store.kind !== "files") await fsp.rm(file, { force: true });
    await tx.update(exports).set({ fileKeyWrapped: key.wrapped }).where(eq(exports.id, row.id));
    counts.encrypted += 1;
  }
  if (counts.encrypted + counts.expired > 0) await appendAudit(tx, ctx, { actor: systemActor, action: EXPORT_FILES_ENCRYPTED, details: counts });
}

/** `<org>/<export>.<attempt>.<ext>`, the name every export file has had. */
function blobNameOf(stored: string): BlobName | undefined {
  const match = /^([0-9a-f-]{36})[\\/]([0-9a-f-]{36})\.(\d+)\.(zip|pdf)$/.exec(stored);
  return match ? { orgId: match[1]!, exportId: match[2]!, attempt: Number(match[3]), ext: match[4]! } : undefined;
}

async function readable(file: string): Promise<boolean> {
  return fsp.access(file, fs.constants.R_OK).then(() => true, () => false);
}
