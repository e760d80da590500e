/**
 * The two blob stores (platform/blob-store.ts) keep one contract: what is piped into a blob is read
 * back byte for byte, an aborted attempt leaves nothing, other attempts of an export are removed.
 * Both run on whichever engine the suite runs on (the rows store works on PGlite too); on the
 * rows store, the ciphertext is cut along its sealed chunks and a missing row is an error.
 */
import crypto from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { expect } from "chai";
import { and, asc, eq } from "drizzle-orm";
import { exportBlobChunks } from "../../src/db/schema/index.js";
import { exportBlobStore, fileBlobStore, postgresBlobStore, type BlobStore } from "../../src/platform/blob-store.js";
import { CHUNK_BYTES, HEADER_BYTES, SEALED_CHUNK_BYTES, StreamAuthError, sealedSize } from "../../src/platform/stream-crypto.js";
import { encryptingStream } from "../../src/platform/export-files.js";
import { freshContext, type TestContext } from "../support/context.js";

/** Whether the store has the blob (closing what it opened). */
async function has(store: BlobStore, id: string): Promise<boolean> {
  const blob = await store.open(id);
  await blob?.close();
  return blob !== undefined;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(stream, new Writable({ write(c: Buffer, _e, done) { parts.push(c); done(); } }));
  return Buffer.concat(parts);
}

/** Seals `plain` into a new blob of `store`; the ciphertext as written. */
async function writeBlob(store: BlobStore, orgId: string, exportId: string, attempt: number, plain: Buffer) {
  const blob = await store.create({ orgId, exportId, attempt, ext: "zip" });
  const written: Buffer[] = [];
  const tee = encryptingStream(crypto.randomBytes(32), exportId);
  tee.on("data", (c: Buffer) => written.push(c));
  await pipeline(Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]), tee, blob.sink);
  await blob.publish();
  return { id: blob.id, cipher: Buffer.concat(written) };
}

describe("platform: blob stores", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("uses rows on a PostgreSQL server and files on the embedded database", () => {
    expect(exportBlobStore(ctx).kind).to.equal(ctx.engine === "postgres" ? "postgres" : "files");
  });

  for (const kind of ["files", "postgres"] as const) {
    const storeOf = (c: TestContext): BlobStore => (kind === "files" ? fileBlobStore(c.config) : postgresBlobStore(c.db, c.clock));

    describe(`${kind}`, () => {
      it("reads back exactly what was written, for empty, small, one-chunk and many-chunk blobs", async () => {
        const store = storeOf(ctx);
        const orgId = crypto.randomUUID();
        for (const size of [0, 1, CHUNK_BYTES, Math.floor(3.5 * CHUNK_BYTES)]) {
          const exportId = crypto.randomUUID();
          const { id, cipher } = await writeBlob(store, orgId, exportId, 1, crypto.randomBytes(size));
          expect(cipher.length, `size ${size}`).to.equal(sealedSize(size));
          const blob = (await store.open(id))!;
          expect(blob.size).to.equal(cipher.length);
          expect((await readAll(blob.stream())).equals(cipher), `size ${size}`).to.equal(true);
          expect((await readAll(blob.stream())).equals(cipher), "a second pass").to.equal(true);
          await blob.close();
          if (kind === "postgres") {
            const rows = await ctx.db.select().from(exportBlobChunks).where(eq(exportBlobChunks.blobId, id)).orderBy(asc(exportBlobChunks.idx));
            const expected = [HEADER_BYTES + SEALED_CHUNK_BYTES, ...Array(Math.max(0, Math.ceil(size / CHUNK_BYTES) - 1)).fill(SEALED_CHUNK_BYTES)];
            // Along the sealed chunks: the header with the first, then one per row; the last may be short.
            expect(rows.map((r) => r.idx)).to.deep.equal(expected.map((_, i) => i));
            rows.slice(0, -1).forEach((r, i) => expect(r.bytes.length).to.equal(expected[i]));
          }
          await store.remove(id);
          expect(await has(store, id)).to.equal(false);
        }
      });

      it("an aborted attempt leaves nothing; removeOtherAttempts keeps only the one named", async () => {
        const store = storeOf(ctx);
        const orgId = crypto.randomUUID();
        const exportId = crypto.randomUUID();
        const aborted = await store.create({ orgId, exportId, attempt: 1, ext: "zip" });
        aborted.sink.write(crypto.randomBytes(3 * SEALED_CHUNK_BYTES));
        await aborted.abort();
        expect(await has(store, aborted.id)).to.equal(false);

        const second = await writeBlob(store, orgId, exportId, 2, crypto.randomBytes(100));
        const third = await writeBlob(store, orgId, exportId, 3, crypto.randomBytes(100));
        const elsewhere = await writeBlob(store, orgId, crypto.randomUUID(), 1, crypto.randomBytes(100));
        await store.removeOtherAttempts(orgId, exportId, third.id);
        expect(await has(store, second.id)).to.equal(false);
        for (const kept of [third.id, elsewhere.id]) expect(await has(store, kept), kept).to.equal(true);
      });
    });
  }

  it("rows: a missing row fails the read instead of splicing the rest together", async () => {
    const store = postgresBlobStore(ctx.db, ctx.clock);
    const orgId = crypto.randomUUID();
    const { id: other } = await writeBlob(store, orgId, crypto.randomUUID(), 1, crypto.randomBytes(3 * CHUNK_BYTES));
    const rows = await ctx.db.select({ idx: exportBlobChunks.idx }).from(exportBlobChunks).where(eq(exportBlobChunks.blobId, other));
    expect(rows).to.have.length(3);
    await ctx.db.delete(exportBlobChunks).where(and(eq(exportBlobChunks.blobId, other), eq(exportBlobChunks.idx, 1)));
    const blob = (await store.open(other))!;
    let failed: unknown;
    await readAll(blob.stream()).catch((err: unknown) => (failed = err));
    expect(failed).to.be.instanceOf(StreamAuthError);
  });
});
