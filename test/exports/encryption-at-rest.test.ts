/**
 * Issue 18 item 3: export files are encrypted at rest (stream-crypto.ts) under a per-attempt key
 * the row keeps wrapped; a damaged file is refused cleanly; expiry and erasure destroy the key.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { expect } from "chai";
import { eq, inArray } from "drizzle-orm";
import type request from "supertest";
import type { TestContext } from "../support/context.js";
import { makeConversation } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog, exports } from "../../src/db/schema/index.js";
import { absoluteExportPath } from "../../src/platform/export-files.js";
import { CHUNK_BYTES, DecryptStream, EncryptStream, HEADER_BYTES, StreamAuthError, sealedSize } from "../../src/platform/stream-crypto.js";
import { expireExports } from "../../src/exports/expire-exports.js";
import { exportBlobStore } from "../../src/platform/blob-store.js";
import { EXPORT_FILES_ENCRYPTED, encryptExistingExportFiles } from "../../src/exports/encrypt-existing-files.js";
import { allStoredBlobs, buildNow, exportRow, replaceStoredBlob, scenario, sha256, storedBlobBytes, freshExportsContext } from "./helpers.js";

const SEALED_CHUNK = CHUNK_BYTES + 16;

async function sealBytes(key: Buffer, context: string, plain: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new PassThrough().on("data", (c: Buffer) => out.push(c));
  // Written in odd-sized pieces, so chunking does not depend on how the writer slices its output.
  const pieces = [];
  for (let i = 0; i < plain.length; i += 7_777) pieces.push(plain.subarray(i, i + 7_777));
  await pipeline(Readable.from(pieces), new EncryptStream(key, context), sink);
  return Buffer.concat(out);
}

async function openBytes(key: Buffer, context: string, sealed: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new PassThrough().on("data", (c: Buffer) => out.push(c));
  await pipeline(Readable.from([sealed.subarray(0, 1000), sealed.subarray(1000)]), new DecryptStream(key, context), sink);
  return Buffer.concat(out);
}

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}


describe("exports: encryption at rest", function () {
  this.timeout(120_000);

  describe("the stream format", () => {
    const key = crypto.randomBytes(32);
    const plain = crypto.randomBytes(3 * CHUNK_BYTES + 123);

    it("round-trips any length, with the size sealedSize predicts", async () => {
      for (const n of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES, plain.length]) {
        const sealed = await sealBytes(key, "e", plain.subarray(0, n));
        expect(sealed.length, `length ${n}`).to.equal(sealedSize(n));
        expect((await openBytes(key, "e", sealed)).equals(plain.subarray(0, n)), `length ${n}`).to.equal(true);
      }
    });

    it("detects a flipped byte, a dropped tail, a swapped or dropped chunk, appended bytes, another file's context", async () => {
      const sealed = await sealBytes(key, "e", plain);
      const flipped = Buffer.from(sealed);
      flipped[HEADER_BYTES + SEALED_CHUNK + 5]! ^= 1;
      const swapped = Buffer.concat([sealed.subarray(0, HEADER_BYTES), sealed.subarray(HEADER_BYTES + SEALED_CHUNK, HEADER_BYTES + 2 * SEALED_CHUNK), sealed.subarray(HEADER_BYTES, HEADER_BYTES + SEALED_CHUNK), sealed.subarray(HEADER_BYTES + 2 * SEALED_CHUNK)]);
      const cutAtChunk = sealed.subarray(0, HEADER_BYTES + 2 * SEALED_CHUNK);
      const droppedChunk = Buffer.concat([sealed.subarray(0, HEADER_BYTES), sealed.subarray(HEADER_BYTES + SEALED_CHUNK)]);
      const cases: [string, Buffer, string][] = [
        ["flipped", flipped, "e"], ["truncated mid-chunk", sealed.subarray(0, sealed.length - 10), "e"], ["truncated at a chunk boundary", cutAtChunk, "e"],
        ["swapped", swapped, "e"], ["dropped chunk", droppedChunk, "e"], ["appended", Buffer.concat([sealed, Buffer.from("x")]), "e"],
        ["other context", sealed, "f"], ["header only", sealed.subarray(0, HEADER_BYTES), "e"], ["empty", Buffer.alloc(0), "e"],
      ];
      for (const [name, bytes, context] of cases) {
        let failed: unknown;
        await openBytes(key, context, bytes).catch((err: unknown) => (failed = err));
        expect(failed, name).to.be.instanceOf(StreamAuthError);
      }
    });
  });

  describe("export files", () => {
    let ctx: TestContext;
    beforeEach(async () => {
      ctx = await freshExportsContext();
    });

    /** A package of several chunks: incompressible message bodies beside the scenario's. */
    async function bigPackage() {
      const s = await scenario(ctx);
      await makeConversation(ctx, s.org.id, {
        subjectId: s.subject.id, topic: "Long chat", startedAt: new Date("2026-02-15T10:00:00Z"),
        messages: Array.from({ length: 120 }, () => ({ body: crypto.randomBytes(1500).toString("base64") })),
      });
      const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
      expect(row.status).to.equal("ready");
      expect(row.sizeBytes).to.be.greaterThan(3 * CHUNK_BYTES);
      return { s, row, plain: file, stored: row.path! };
    }

    it("leaves no plaintext in the blob store (DATA_DIR/exports, or rows on a server): no phrase of the chats, no ZIP or PDF structure", async () => {
      const s = await scenario(ctx);
      const zip = await buildNow(ctx, s.request.id, "access_zip");
      const json = await buildNow(ctx, s.request.id, "export_json");
      expect(zip.file.subarray(0, 4).toString("latin1")).to.equal("PK\u0003\u0004"); // the plaintext is a ZIP
      expect(json.row.fileKeyWrapped).to.be.instanceOf(Buffer);
      const needles = ["you are nothing", "leave her alone", "Maija", "Kiusaaminen", "manifest.json", "profile.json", "PK\u0003\u0004", "%PDF"];
      const blobs = await allStoredBlobs(ctx);
      expect(blobs).to.have.length(2);
      for (const { id, bytes } of blobs) {
        for (const n of needles) expect(bytes.includes(Buffer.from(n)), `${path.basename(id)} holds ${n}`).to.equal(false);
      }
    });

    it("a tampered byte, a truncated file or a swapped chunk fails the download cleanly: no body served, not counted", async () => {
      const { s, row, plain, stored } = await bigPackage();
      const original = (await storedBlobBytes(ctx, stored))!;
      const app = buildApp(ctx);
      const agent = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id });
      const url = `/requests/${s.request.reference}/download/${row.id}`;

      const ok = await agent.get(url).buffer(true).parse(binary).expect(200);
      expect(ok.headers["content-length"]).to.equal(String(plain.length));
      expect(sha256(ok.body as Buffer)).to.equal(row.sha256);

      const tampered = Buffer.from(original);
      tampered[HEADER_BYTES + 2 * SEALED_CHUNK + 100]! ^= 0x40;
      const swapped = Buffer.concat([original.subarray(0, HEADER_BYTES + SEALED_CHUNK), original.subarray(HEADER_BYTES + 2 * SEALED_CHUNK, HEADER_BYTES + 3 * SEALED_CHUNK),
        original.subarray(HEADER_BYTES + SEALED_CHUNK, HEADER_BYTES + 2 * SEALED_CHUNK), original.subarray(HEADER_BYTES + 3 * SEALED_CHUNK)]);
      expect(swapped.length).to.equal(original.length);
      for (const [name, bytes] of [["tampered", tampered], ["truncated", original.subarray(0, original.length - 1000)], ["swapped", swapped]] as const) {
        await replaceStoredBlob(ctx, stored, bytes);
        const res = await agent.get(url).buffer(true).parse(binary);
        expect(res.status, name).to.equal(410);
        expect(res.headers["content-type"], name).to.match(/^text\/html/);
        expect((res.body as Buffer).includes(Buffer.from("PK\u0003\u0004")), name).to.equal(false);
        expect((await exportRow(ctx, row.id)).downloadCount, name).to.equal(1);
      }
      await replaceStoredBlob(ctx, stored, original);
      await agent.get(url).expect(200);
    });

    it("HEAD answers the plaintext length without reading the body", async () => {
      const { s, row, plain } = await bigPackage();
      const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: s.org.id, subjectId: s.subject.id });
      const res = await agent.head(`/requests/${s.request.reference}/download/${row.id}`).expect(200);
      expect(res.headers["content-length"]).to.equal(String(plain.length));
      expect((await exportRow(ctx, row.id)).downloadCount).to.equal(0);
    });

    it("expiry destroys the file's key with the file", async () => {
      const s = await scenario(ctx);
      const { row } = await buildNow(ctx, s.request.id, "export_json");
      ctx.clock.advance(8 * 86_400_000);
      expect(await expireExports(ctx)).to.equal(1);
      const [after] = await ctx.db.select().from(exports).where(eq(exports.id, row.id));
      expect(after!.status).to.equal("expired");
      expect(after!.fileKeyWrapped).to.equal(null);
      expect(await storedBlobBytes(ctx, row.path!)).to.equal(undefined);
    });

    it("the data migration encrypts files written before encryption in place; a missing one expires", async () => {
      const { s: sc, row, plain, stored } = await bigPackage();
      const gone = await buildNow(ctx, sc.request.id, "export_json");
      // As before this change: plaintext files under DATA_DIR/exports (on either engine), rows without a key.
      await exportBlobStore(ctx).remove(stored);
      await exportBlobStore(ctx).remove(gone.row.path!);
      fs.mkdirSync(path.dirname(absoluteExportPath(ctx.config, stored)), { recursive: true });
      fs.writeFileSync(absoluteExportPath(ctx.config, stored), plain);
      await ctx.db.update(exports).set({ fileKeyWrapped: null }).where(inArray(exports.id, [row.id, gone.row.id]));

      await ctx.db.transaction((tx) => encryptExistingExportFiles(ctx, tx));
      const onDisk = (await storedBlobBytes(ctx, stored))!;
      expect(onDisk.length).to.equal(sealedSize(plain.length));
      expect(onDisk.includes(Buffer.from("manifest.json"))).to.equal(false);
      expect((await exportRow(ctx, gone.row.id)).status).to.equal("expired");
      const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: sc.org.id, subjectId: sc.subject.id });
      const res = await agent.get(`/requests/${sc.request.reference}/download/${row.id}`).buffer(true).parse(binary).expect(200);
      expect(sha256(res.body as Buffer)).to.equal(row.sha256);
      const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, EXPORT_FILES_ENCRYPTED));
      expect(entry!.details).to.deep.equal({ encrypted: 1, expired: 1 });
      // Run again: nothing left to do.
      await ctx.db.transaction((tx) => encryptExistingExportFiles(ctx, tx));
      expect((await storedBlobBytes(ctx, stored))!.equals(onDisk)).to.equal(true);
      // On a server the local plaintext is gone: the rows are the file now.
      if (exportBlobStore(ctx).kind === "postgres") expect(fs.existsSync(absoluteExportPath(ctx.config, stored))).to.equal(false);
    });
  });
});
