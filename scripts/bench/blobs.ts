/**
 * npm run bench:blobs — what keeping export packages in PostgreSQL rows (platform/blob-store.ts)
 * costs beside local files, in one run on one server (DATABASE_URL, a database of its own: its
 * export_blob_chunks rows of this run are removed afterwards). For a package of BENCH_BLOB_MB
 * (default 64) of random bytes it encrypts and writes it into each store, then authenticates and
 * decrypts it back, as a build and a download do; prints MB/s per store, the ratio rows/files, and
 * the growth of RSS above its level before each step (streamed: bounded, whatever the size).
 * A benchmark, not a test: it asserts nothing.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { openPostgres } from "../../src/db/client.js";
import { fileBlobStore, postgresBlobStore, type BlobStore } from "../../src/platform/blob-store.js";
import { authenticateFile, decryptingReadStream, encryptingStream } from "../../src/platform/export-files.js";

const MB = Number(process.env.BENCH_BLOB_MB ?? 64);
const PIECE = 256 * 1024;

/** BENCH_BLOB_MB of plaintext, produced piece by piece (never whole in memory); its content does not matter to the cipher. */
function plaintext(): Readable {
  let left = MB * 1024 * 1024;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(PIECE, left);
      left -= n;
      this.push(Buffer.alloc(n, left & 0xff));
    },
  });
}

/** Runs `fn` and reports its time and the highest RSS seen above the level before it. */
async function measured(fn: () => Promise<void>): Promise<{ ms: number; rssGrowthMb: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssGrowthMb: (peak - before) / 1024 / 1024 };
}

async function roundTrip(store: BlobStore, key: Buffer, exportId: string) {
  const orgId = crypto.randomUUID();
  let id = "";
  const plainBytes = MB * 1024 * 1024;
  const write = await measured(async () => {
    const blob = await store.create({ orgId, exportId, attempt: 1, ext: "zip" });
    id = blob.id;
    await pipeline(plaintext(), encryptingStream(key, exportId), blob.sink);
    await blob.publish();
  });
  const read = await measured(async () => {
    const blob = (await store.open(id))!;
    await authenticateFile(blob, key, exportId, plainBytes, true); // what a download checks first
    await pipeline(decryptingReadStream(blob.stream(), key, exportId), new Writable({ write(_c, _e, done) { done(); } }));
    await blob.close();
  });
  await store.remove(id);
  return { write, read };
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("bench:blobs needs DATABASE_URL (a PostgreSQL database of its own)");
    process.exitCode = 2;
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-blobs-"));
  const database = await openPostgres(url, 4);
  try {
    await database.migrate();
    const key = crypto.randomBytes(32);
    const clock = { now: () => new Date() };
    const files = await roundTrip(fileBlobStore({ dataDir: tmp }), key, crypto.randomUUID());
    const rows = await roundTrip(postgresBlobStore(database.db, clock), key, crypto.randomUUID());
    const rate = (ms: number) => (MB / (ms / 1000)).toFixed(1);
    console.log(`bench:blobs — one ${MB} MB package, encrypted, written then authenticated and read back (one run)`);
    console.log("store            write MB/s   read MB/s   RSS growth write / read (MB)");
    for (const [name, r] of [["local files", files], ["postgres rows", rows]] as const) {
      console.log(`${name.padEnd(16)} ${rate(r.write.ms).padStart(10)}  ${rate(r.read.ms).padStart(10)}   ${r.write.rssGrowthMb.toFixed(1)} / ${r.read.rssGrowthMb.toFixed(1)}`);
    }
    console.log(`ratio rows/files (time): write ${(rows.write.ms / files.write.ms).toFixed(2)}×, read ${(rows.read.ms / files.read.ms).toFixed(2)}×`);
  } finally {
    await database.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
