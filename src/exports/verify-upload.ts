/**
 * Receives a file for /verify, streaming: either a browser's multipart form (busboy, one field
 * "file") or the raw request body (the API: Content-Type application/zip or application/pdf).
 * The bytes go to a private temporary file while they are hashed, so an upload of any size costs a
 * few chunks of memory. Over the limit, nothing is kept: the rest of the body is read and thrown
 * away (so the client gets the answer instead of a reset connection), up to a hard cap.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import type { Request } from "express";
import type { ReceivedFile } from "./verify.js";

/** 200 MB: far above any package we issue, and a bound on disk use per upload. */
export const VERIFY_UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024;
/** Room for the multipart boundaries and headers around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
/** A client still sending after this many bytes is cut off. */
const DISCARD_CAP_BYTES = 2 * VERIFY_UPLOAD_LIMIT_BYTES;

export const RAW_UPLOAD_TYPES = ["application/zip", "application/x-zip-compressed", "application/pdf", "application/octet-stream"];

export type UploadOutcome =
  | { ok: true; file: ReceivedFile; discard: () => Promise<void> }
  | { ok: false; reason: "too_large" | "no_file" | "unsupported" };

class TooLarge extends Error {}

export function uploadKind(req: Request): "multipart" | "raw" | undefined {
  if (req.is("multipart/form-data")) return "multipart";
  if (req.is(RAW_UPLOAD_TYPES)) return "raw";
  return undefined;
}

function tempPath(dataDir: string): string {
  const dir = path.join(dataDir, "tmp", "verify");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `${crypto.randomUUID()}.upload`);
}

/** Writes a stream to `dest` (created private) while hashing and counting it; refuses more than `limit` bytes. */
async function writeHashed(source: Readable, dest: string, limit: number): Promise<ReceivedFile> {
  const hash = crypto.createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) return done(new TooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, meter, fs.createWriteStream(dest, { flags: "wx", mode: 0o600 }));
  return { path: dest, size, sha256: hash.digest("hex") };
}

/** Reads and forgets what the client still sends, so it can read our answer; cuts off a flood. */
function drain(req: Request, alreadyRead: number): Promise<void> {
  return new Promise((resolve) => {
    let total = alreadyRead;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > DISCARD_CAP_BYTES) {
        req.off("data", onData);
        req.destroy();
        resolve();
      }
    };
    if (req.readableEnded) return resolve();
    req.on("data", onData);
    req.once("end", () => resolve());
    req.once("close", () => resolve());
    req.resume();
  });
}

const remove = (file: string) => fs.promises.rm(file, { force: true });

function declaredTooLarge(req: Request, limit: number): boolean {
  const declared = Number(req.get("content-length"));
  return Number.isFinite(declared) && declared > limit;
}

async function receiveRaw(req: Request, dataDir: string): Promise<UploadOutcome> {
  if (declaredTooLarge(req, VERIFY_UPLOAD_LIMIT_BYTES)) {
    await drain(req, 0);
    return { ok: false, reason: "too_large" };
  }
  const dest = tempPath(dataDir);
  // Piped through a PassThrough: a refusal ends the pipeline, never the client's connection.
  const body = new PassThrough();
  req.once("error", (err) => body.destroy(err));
  req.once("close", () => { if (!req.complete) body.destroy(new Error("upload aborted")); });
  req.pipe(body);
  try {
    const file = await writeHashed(body, dest, VERIFY_UPLOAD_LIMIT_BYTES);
    if (file.size === 0) {
      await remove(dest);
      return { ok: false, reason: "no_file" };
    }
    return { ok: true, file, discard: () => remove(dest) };
  } catch (err) {
    req.unpipe(body);
    await remove(dest);
    if (!(err instanceof TooLarge)) throw err;
    await drain(req, VERIFY_UPLOAD_LIMIT_BYTES);
    return { ok: false, reason: "too_large" };
  }
}

async function receiveMultipart(req: Request, dataDir: string): Promise<UploadOutcome> {
  if (declaredTooLarge(req, VERIFY_UPLOAD_LIMIT_BYTES + FORM_OVERHEAD_BYTES)) {
    await drain(req, 0);
    return { ok: false, reason: "too_large" };
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: VERIFY_UPLOAD_LIMIT_BYTES, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 20 } });
  } catch {
    return { ok: false, reason: "unsupported" };
  }
  const dest = tempPath(dataDir);
  let writing: Promise<ReceivedFile> | undefined;
  let truncated = false;
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      if (read > DISCARD_CAP_BYTES) return done(new TooLarge());
      done(null, chunk);
    },
  });
  parser.on("file", (field, stream) => {
    if (field !== "file" || writing) return void stream.resume();
    stream.on("limit", () => { truncated = true; });
    // Past the limit busboy drops the rest of the file; what was written is deleted below.
    writing = writeHashed(stream, dest, Number.MAX_SAFE_INTEGER);
    writing.catch(() => undefined);
  });
  try {
    await pipeline(req, counter, parser);
    const file = writing ? await writing : undefined;
    if (truncated) {
      await remove(dest);
      return { ok: false, reason: "too_large" };
    }
    if (!file || file.size === 0) {
      await remove(dest);
      return { ok: false, reason: "no_file" };
    }
    return { ok: true, file, discard: () => remove(dest) };
  } catch (err) {
    await remove(dest);
    if (err instanceof TooLarge) return { ok: false, reason: "too_large" };
    // A malformed form (bad boundary, cut short) is the client's problem, not ours.
    return { ok: false, reason: "unsupported" };
  }
}

/** Receives the upload of a POST /verify, whichever way it was sent. */
export function receiveVerifyUpload(req: Request, dataDir: string): Promise<UploadOutcome> {
  const kind = uploadKind(req);
  if (kind === "multipart") return receiveMultipart(req, dataDir);
  if (kind === "raw") return receiveRaw(req, dataDir);
  return Promise.resolve({ ok: false, reason: "unsupported" });
}
