/**
 * Where export files (already encrypted: export-files.ts, stream-crypto.ts) are kept. Embedded,
 * under DATA_DIR/exports; on a PostgreSQL server in the export_blob_chunks table, so a
 * package one instance builds downloads from any other. Both keep the same contract:
 *
 * - `create` starts one build attempt's blob; what is piped into its `sink` is durable once the
 *   pipeline has finished; `publish` makes it readable under `id`, which the export row names
 *   only in the transaction that marks it ready; `abort` removes whatever the attempt wrote.
 * - `open` reads a blob back as a stream from its start (more than once: check, then serve),
 *   never holding more than a few chunks in memory.
 * - `remove` deletes one; `removeOtherAttempts` what crashed attempts of an export left;
 *   `listStartedBefore` names candidates for the orphan sweep (expire-exports.ts).
 *
 * Blob ids are the names the files had: `<org id>/<export id>.<attempt>.<ext>`.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { and, asc, eq, gte, like, lt, ne, sql } from "drizzle-orm";
import type { Config } from "../config.js";
import type { Clock } from "../context.js";
import type { Db } from "../db/client.js";
import { exportBlobChunks } from "../db/schema/index.js";
import type { KeyRing } from "./crypto.js";
import { absoluteExportPath, attemptFiles, decryptingReadStream, exportsRoot, openTemp, publish, removeOtherAttempts } from "./export-files.js";
import { HEADER_BYTES, SEALED_CHUNK_BYTES, StreamAuthError } from "./stream-crypto.js";

export interface BlobName {
  orgId: string;
  exportId: string;
  attempt: number;
  ext: string;
}

export interface StoredBlob {
  /** Bytes stored (ciphertext). */
  readonly size: number;
  /** The stored bytes from the start; may be called again for a second pass. */
  stream(): Readable;
  close(): Promise<void>;
}

export interface BlobWrite {
  /** What the export row stores once the blob is published. */
  readonly id: string;
  readonly sink: Writable;
  /** The written, not yet published blob (for checks before publishing). */
  openWritten(): Promise<StoredBlob | undefined>;
  publish(): Promise<void>;
  abort(): Promise<void>;
}

export interface BlobStore {
  readonly kind: "files" | "postgres";
  create(name: BlobName): Promise<BlobWrite>;
  open(id: string): Promise<StoredBlob | undefined>;
  remove(id: string): Promise<void>;
  removeOtherAttempts(orgId: string, exportId: string, keep?: string): Promise<void>;
  /** Ids of blobs (published or not) whose writing began before `before`. */
  listStartedBefore(before: Date): Promise<string[]>;
}

/** The store of this deployment: rows on a PostgreSQL server, files on the embedded database. */
export function exportBlobStore(ctx: { engine: "pglite" | "postgres"; db: Db; config: Pick<Config, "dataDir">; clock: Clock }): BlobStore {
  return ctx.engine === "postgres" ? postgresBlobStore(ctx.db, ctx.clock) : fileBlobStore(ctx.config);
}

// ---------------------------------------------------------------- local files

async function openFile(file: string): Promise<StoredBlob | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch {
    return undefined;
  }
  const { size } = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw err;
  });
  return {
    size,
    stream: () => handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 256 * 1024 }),
    close: () => handle.close(),
  };
}

/** DATA_DIR/exports: each attempt writes a temporary file, fsynced and renamed into place. */
export function fileBlobStore(config: Pick<Config, "dataDir">): BlobStore {
  return {
    kind: "files",
    async create(name) {
      const files = attemptFiles(config, name.orgId, name.exportId, name.attempt, name.ext);
      const temp = await openTemp(files.tmp);
      return {
        id: files.stored,
        sink: temp.stream,
        openWritten: () => openFile(files.tmp),
        publish: () => publish(files.tmp, files.final),
        abort: async () => {
          await temp.abort();
          await fsp.rm(files.final, { force: true });
        },
      };
    },
    open: (id) => openFile(absoluteExportPath(config, id)),
    remove: (id) => fsp.rm(absoluteExportPath(config, id), { force: true }),
    removeOtherAttempts: (orgId, exportId, keep) =>
      removeOtherAttempts(path.dirname(absoluteExportPath(config, path.join(orgId, "x"))), exportId, keep),
    async listStartedBefore(before) {
      const root = exportsRoot(config);
      const out: string[] = [];
      for (const orgDir of await fsp.readdir(root).catch(() => [] as string[])) {
        for (const name of await fsp.readdir(path.join(root, orgDir)).catch(() => [] as string[])) {
          const stat = await fsp.stat(path.join(root, orgDir, name)).catch(() => undefined);
          if (stat?.isFile() && stat.mtimeMs < before.getTime()) out.push(path.join(orgDir, name));
        }
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL rows

/** Rows read per query while streaming (about 1 MiB): a few sealed chunks, never the whole blob. */
const ROWS_PER_READ = 16;
/** Rows written per insert (about 512 KiB): fewer round trips, memory still bounded. */
const ROWS_PER_INSERT = 8;

/**
 * Cuts the ciphertext into rows along its sealed chunks (the header travels with the first) and
 * inserts them a few at a time, each insert awaited before more is accepted, so memory holds
 * about ROWS_PER_INSERT chunks.
 */
class ChunkRowSink extends Writable {
  private parts: Buffer[] = [];
  private bytes = 0;
  private idx = 0;
  private ready: Buffer[] = [];
  /** The insert in flight, so an abort can wait for it before deleting. */
  inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly blobId: string,
    private readonly clock: Clock,
  ) {
    super({ highWaterMark: SEALED_CHUNK_BYTES });
  }

  private rowLimit(): number {
    return this.idx + this.ready.length === 0 ? HEADER_BYTES + SEALED_CHUNK_BYTES : SEALED_CHUNK_BYTES;
  }

  private async insertReady(): Promise<void> {
    if (this.ready.length === 0) return;
    const writtenAt = this.clock.now();
    const values = this.ready.map((bytes, i) => ({ blobId: this.blobId, idx: this.idx + i, bytes, writtenAt }));
    // A drizzle query runs on each then(): take its promise once.
    const insert = this.db.insert(exportBlobChunks).values(values).then(() => undefined);
    this.inFlight = insert.catch(() => undefined);
    await insert;
    this.idx += values.length;
    this.ready = [];
  }

  private async drain(final: boolean): Promise<void> {
    while (this.bytes >= this.rowLimit() || (final && (this.bytes > 0 || this.idx + this.ready.length === 0))) {
      const all = Buffer.concat(this.parts, this.bytes);
      const take = Math.min(all.length, this.rowLimit());
      this.parts = [all.subarray(take)];
      this.bytes = all.length - take;
      this.ready.push(Buffer.from(all.subarray(0, take)));
      if (this.ready.length >= ROWS_PER_INSERT) await this.insertReady();
    }
    if (final) await this.insertReady();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.parts.push(chunk);
    this.bytes += chunk.length;
    this.drain(false).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.drain(true).then(() => done(), done);
  }
}

/** The rows of a blob in order; a gap (a row gone) errors rather than splicing. */
function chunkRows(db: Db, blobId: string): Readable {
  async function* rows(): AsyncGenerator<Buffer> {
    for (let next = 0; ; ) {
      const page = await db
        .select({ idx: exportBlobChunks.idx, bytes: exportBlobChunks.bytes })
        .from(exportBlobChunks)
        .where(and(eq(exportBlobChunks.blobId, blobId), gte(exportBlobChunks.idx, next)))
        .orderBy(asc(exportBlobChunks.idx))
        .limit(ROWS_PER_READ);
      for (const row of page) {
        if (row.idx !== next) throw new StreamAuthError("a chunk of the stored blob is missing");
        next += 1;
        yield row.bytes;
      }
      if (page.length < ROWS_PER_READ) return;
    }
  }
  return Readable.from(rows(), { objectMode: false, highWaterMark: SEALED_CHUNK_BYTES });
}

async function openRows(db: Db, blobId: string): Promise<StoredBlob | undefined> {
  // octet_length of a bytea reads its stored length, not the value.
  const [stats] = await db
    .select({ rows: sql<string>`count(*)`, size: sql<string>`coalesce(sum(octet_length(${exportBlobChunks.bytes})), 0)` })
    .from(exportBlobChunks)
    .where(eq(exportBlobChunks.blobId, blobId));
  if (!stats || Number(stats.rows) === 0) return undefined;
  return { size: Number(stats.size), stream: () => chunkRows(db, blobId), close: async () => undefined };
}

function blobPrefix(orgId: string, exportId: string): string {
  return `${orgId}/${exportId}.`;
}

/** export_blob_chunks on the PostgreSQL server every instance shares. */
export function postgresBlobStore(db: Db, clock: Clock): BlobStore {
  const remove = async (id: string) => {
    await db.delete(exportBlobChunks).where(eq(exportBlobChunks.blobId, id));
  };
  return {
    kind: "postgres",
    async create(name) {
      const id = `${blobPrefix(name.orgId, name.exportId)}${name.attempt}.${name.ext}`;
      await remove(id); // the rows of an attempt that never finished under this number
      const sink = new ChunkRowSink(db, id, clock);
      return {
        id,
        sink,
        openWritten: () => openRows(db, id),
        publish: async () => undefined, // every row is committed as it is written; the export row names the blob
        abort: async () => {
          sink.destroy();
          await sink.inFlight;
          await remove(id);
        },
      };
    },
    open: (id) => openRows(db, id),
    remove,
    async removeOtherAttempts(orgId, exportId, keep) {
      const mine = like(exportBlobChunks.blobId, `${blobPrefix(orgId, exportId)}%`);
      await db.delete(exportBlobChunks).where(keep ? and(mine, ne(exportBlobChunks.blobId, keep)) : mine);
    },
    async listStartedBefore(before) {
      const rows = await db
        .select({ blobId: exportBlobChunks.blobId })
        .from(exportBlobChunks)
        .where(and(eq(exportBlobChunks.idx, 0), lt(exportBlobChunks.writtenAt, before)));
      return rows.map((r) => r.blobId);
    },
  };
}

/**
 * The whole plaintext of an export's blob, in memory: for tools and tests (the benchmark, checks
 * of what a package holds), never on a request path, which streams.
 */
export async function readDecryptedExport(
  ctx: Parameters<typeof exportBlobStore>[0] & { keys: KeyRing },
  row: { id: string; path: string | null; fileKeyWrapped: Buffer | null },
): Promise<Buffer> {
  if (!row.path || !row.fileKeyWrapped) throw new Error("export has no file");
  const blob = await exportBlobStore(ctx).open(row.path);
  if (!blob) throw new Error("export file missing");
  try {
    const parts: Buffer[] = [];
    await pipeline(
      decryptingReadStream(blob.stream(), ctx.keys.unwrapDataKey(row.fileKeyWrapped), row.id),
      new Writable({ write(chunk: Buffer, _enc, done) { parts.push(chunk); done(); } }),
    );
    return Buffer.concat(parts);
  } finally {
    await blob.close();
  }
}
