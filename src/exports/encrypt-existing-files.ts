/**
 * Data migration (issue 18): encrypts in place the export files written before encryption at
 * rest — each ready export's plaintext file is streamed through the cipher into a temporary file
 * under a new key, renamed over the old one (atomic, so no half-encrypted file is ever named),
 * and the row keeps the wrapped key in the migration's transaction. Encrypting in place (rather
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
import { absoluteExportPath, encryptingStream, newFileKey, openTemp, publish } from "../platform/export-files.js";
import { isSealedFile } from "../platform/stream-crypto.js";

export const EXPORT_FILES_ENCRYPTED = "data.export_files_encrypted";

export async function encryptExistingExportFiles(ctx: AppContext, tx: Tx): Promise<void> {
  const legacy = await tx
    .select({ id: exports.id, path: exports.path })
    .from(exports)
    .where(and(eq(exports.status, "ready"), isNotNull(exports.path), isNull(exports.fileKeyWrapped)));
  const counts = { encrypted: 0, expired: 0 };
  for (const row of legacy) {
    const file = absoluteExportPath(ctx.config, row.path!);
    if (!(await readable(file)) || (await isSealedFile(file))) {
      await tx.update(exports).set({ status: "expired", error: "file_unavailable" }).where(eq(exports.id, row.id));
      await fsp.rm(file, { force: true });
      counts.expired += 1;
      continue;
    }
    const key = newFileKey(ctx.keys);
    const tmp = file.replace(/\.[a-z]+$/, ".tmp"); // the name an attempt's temporary file has: swept if left behind
    const temp = await openTemp(tmp);
    try {
      await pipeline(fs.createReadStream(file), encryptingStream(key.key, row.id), temp.stream);
    } catch (err) {
      await temp.abort();
      throw err;
    }
    await publish(tmp, file);
    await tx.update(exports).set({ fileKeyWrapped: key.wrapped }).where(eq(exports.id, row.id));
    counts.encrypted += 1;
  }
  if (counts.encrypted + counts.expired > 0) await appendAudit(tx, ctx, { actor: systemActor, action: EXPORT_FILES_ENCRYPTED, details: counts });
}

async function readable(file: string): Promise<boolean> {
  return fsp.access(file, fs.constants.R_OK).then(() => true, () => false);
}
