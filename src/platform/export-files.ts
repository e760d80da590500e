/**
 * Export files on disk: DATA_DIR/exports/<org>/<export id>.<attempt>.<ext>. Each build attempt
 * writes its own temporary file, fsyncs it and renames it into place, so a half-written file
 * never carries a final name; the database row names the published file only in the same
 * transaction that marks the export ready, so nothing unpublished is ever served.
 *
 * Where the bytes are kept (these files, or rows on a PostgreSQL server) is blob-store.ts's choice.
 *
 * Files are encrypted as they are written (stream-crypto.ts) under a random key per attempt,
 * which the row stores wrapped by the master key: what lies on disk is ciphertext only, and
 * destroying the key (expiry, erasure) shreds the file wherever copies of it went.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { PassThrough, Transform, Writable, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Config } from "../config.js";
import type { KeyRing } from "./crypto.js";
import { DecryptStream, EncryptStream, StreamAuthError, sealedSize } from "./stream-crypto.js";

export function exportsRoot(config: Pick<Config, "dataDir">): string {
  return path.join(config.dataDir, "exports");
}

export function orgExportDir(config: Pick<Config, "dataDir">, orgId: string): string {
  return path.join(exportsRoot(config), orgId);
}

/** Stored paths are relative to the exports root, so a moved DATA_DIR keeps working. */
export function absoluteExportPath(config: Pick<Config, "dataDir">, stored: string): string {
  const root = exportsRoot(config);
  const full = path.resolve(root, stored);
  if (!full.startsWith(root + path.sep)) throw new Error("export path outside the exports directory");
  return full;
}

export interface AttemptFiles {
  dir: string;
  tmp: string;
  final: string;
  /** What the row stores: relative to the exports root. */
  stored: string;
}

export function attemptFiles(config: Pick<Config, "dataDir">, orgId: string, exportId: string, attempt: number, ext: string): AttemptFiles {
  const dir = orgExportDir(config, orgId);
  const base = `${exportId}.${attempt}`;
  return {
    dir,
    tmp: path.join(dir, `${base}.tmp`),
    final: path.join(dir, `${base}.${ext}`),
    stored: path.join(orgId, `${base}.${ext}`),
  };
}

/** Counts and hashes what passes through it. */
export class HashingStream extends Transform {
  private readonly hash = crypto.createHash("sha256");
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

/**
 * A new temporary file, created exclusively (mode 0600). `flush` makes the stream fsync before it
 * closes, so once the stream has closed (what `pipeline` waits for) the bytes are on disk.
 */
export async function openTemp(file: string): Promise<{ stream: fs.WriteStream; abort: () => Promise<void> }> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fsp.rm(file, { force: true });
  const stream = fs.createWriteStream(file, { flags: "wx", mode: 0o600, flush: true });
  await new Promise<void>((resolve, reject) => {
    stream.once("ready", () => resolve());
    stream.once("error", reject);
  });
  return {
    stream,
    abort: async () => {
      if (!stream.destroyed) {
        const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()));
        stream.destroy();
        await closed;
      }
      await fsp.rm(file, { force: true });
    },
  };
}

/** rename(2) is atomic within a file system; the directory is synced so the new name survives a crash. */
export async function publish(tmp: string, final: string): Promise<void> {
  await fsp.rename(tmp, final);
  await syncDir(path.dirname(final));
}

async function syncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch {
    /* some platforms cannot fsync a directory; the rename itself is still atomic */
  } finally {
    await handle?.close();
  }
}

/** Removes files of other attempts of this export (left behind by a crash), keeping `keep`. */
export async function removeOtherAttempts(dir: string, exportId: string, keep?: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  const keepName = keep ? path.basename(keep) : undefined;
  await Promise.all(
    names
      .filter((n) => n.startsWith(`${exportId}.`) && n !== keepName)
      .map((n) => fsp.rm(path.join(dir, n), { force: true })),
  );
}

/** A fresh key for one attempt's file: in the clear for writing, wrapped for the row. */
export function newFileKey(keys: KeyRing): { key: Buffer; wrapped: Buffer } {
  return keys.newDataKey();
}

/** Encrypts what is written into it; the export's id is bound in, so files cannot be swapped between rows. */
export function encryptingStream(key: Buffer, exportId: string): Transform {
  return new EncryptStream(key, exportId);
}

/** The plaintext of a stored blob's ciphertext, authenticated chunk by chunk (errors with StreamAuthError). */
export function decryptingReadStream(ciphertext: Readable, key: Buffer, exportId: string): Readable {
  const out = new PassThrough();
  pipeline(ciphertext, new DecryptStream(key, exportId), out).catch((err: unknown) => out.destroy(err as Error));
  return out;
}

/**
 * Checks a whole stored blob before any of it is served: its size matches the plaintext length
 * the row recorded (a cheap test for truncation), then every chunk authenticates. A download
 * can then answer a clean error instead of a 200 cut short. Throws StreamAuthError.
 */
export async function authenticateFile(blob: { size: number; stream(): Readable }, key: Buffer, exportId: string, plainBytes: number, full: boolean): Promise<void> {
  if (blob.size !== sealedSize(plainBytes)) throw new StreamAuthError("encrypted file has the wrong length");
  if (!full) return;
  let seen = 0;
  await pipeline(
    blob.stream(),
    new DecryptStream(key, exportId),
    new Writable({ write(chunk: Buffer, _enc, done) { seen += chunk.length; done(); } }),
  );
  if (seen !== plainBytes) throw new StreamAuthError("decrypted length differs from the recorded one");
}

export { StreamAuthError };
