/**
 * Streamed authenticated encryption of files at rest (export packages, spool files), after the
 * STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): the plaintext is cut into
 * 64 KiB chunks, each sealed with AES-256-GCM under a key derived from the file's key and a
 * random salt in the header. The nonce of a chunk is its counter and a final-chunk flag, and
 * the header is every chunk's associated data, so a flipped byte, a reordered or spliced chunk,
 * a dropped tail or bytes appended after the final chunk all fail authentication.
 *
 * File format: "RDX1" | salt(16) | chunk(0) … chunk(n), each chunk = ciphertext | tag(16);
 * every chunk but the last holds exactly CHUNK_BYTES of plaintext, the last 0…CHUNK_BYTES.
 */
import crypto from "node:crypto";
import { open } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { buildTimings } from "./build-timings.js";

const MAGIC = Buffer.from("RDX1");
const SALT_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + SALT_BYTES;
export const CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
export const SEALED_CHUNK_BYTES = CHUNK_BYTES + TAG_BYTES;
const SEALED_CHUNK = SEALED_CHUNK_BYTES;

/** The file failed authentication: tampered, truncated, reordered, or under another key. */
export class StreamAuthError extends Error {
  constructor(message = "encrypted file failed authentication") {
    super(message);
    this.name = "StreamAuthError";
  }
}

/** `context` (e.g. the export's id) is bound into the key, so a file swapped in from elsewhere fails. */
function fileKey(key: Buffer, salt: Buffer, context: string): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", key, salt, `rightsdesk:stream:${context}`, 32));
}

function nonce(counter: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(counter, 5, 6); // 2^48 chunks of 64 KiB: far beyond any file
  n[11] = final ? 1 : 0;
  return n;
}

/** Size of the encrypted file for a plaintext of `plainBytes`. */
export function sealedSize(plainBytes: number): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / CHUNK_BYTES));
  return HEADER_BYTES + plainBytes + chunks * TAG_BYTES;
}

/** Plaintext in, ciphertext out; holds at most one chunk (plus what is being written) in memory. */
export class EncryptStream extends Transform {
  private readonly key: Buffer;
  private readonly header: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;

  constructor(key: Buffer, context: string) {
    super();
    const salt = crypto.randomBytes(SALT_BYTES);
    this.header = Buffer.concat([MAGIC, salt]);
    this.key = fileKey(key, salt, context);
    this.push(this.header);
  }

  private sealChunk(plain: Buffer, final: boolean): Buffer {
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, nonce(this.counter++, final));
    cipher.setAAD(this.header);
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    buildTimings.time("encrypt", () => this.append(chunk));
    done();
  }

  private append(chunk: Buffer | string): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    // A chunk is sealed as non-final only once more plaintext follows it.
    if (this.pendingBytes > CHUNK_BYTES) {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      let at = 0;
      while (all.length - at > CHUNK_BYTES) {
        this.push(this.sealChunk(all.subarray(at, at + CHUNK_BYTES), false));
        at += CHUNK_BYTES;
      }
      const rest = all.subarray(at);
      this.pending = [rest];
      this.pendingBytes = rest.length;
    }
  }

  override _flush(done: TransformCallback): void {
    buildTimings.time("encrypt", () => this.push(this.sealChunk(Buffer.concat(this.pending, this.pendingBytes), true)));
    this.pending = [];
    done();
  }
}

/** Ciphertext in, plaintext out; errors with StreamAuthError on any tampering, before the bad chunk's bytes. */
export class DecryptStream extends Transform {
  private key: Buffer | undefined;
  private header: Buffer | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private counter = 0;

  constructor(
    private readonly rootKey: Buffer,
    private readonly context: string,
  ) {
    super();
  }

  private openChunk(sealed: Buffer, final: boolean): Buffer {
    if (sealed.length < TAG_BYTES) throw new StreamAuthError();
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key!, nonce(this.counter++, final));
    decipher.setAAD(this.header!);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      throw new StreamAuthError();
    }
    return plain;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      buildTimings.time("decrypt", () => this.unseal(chunk));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private unseal(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (!this.header) {
      if (this.buffered.length < HEADER_BYTES) return;
      if (!this.buffered.subarray(0, MAGIC.length).equals(MAGIC)) throw new StreamAuthError("not an encrypted file");
      this.header = Buffer.from(this.buffered.subarray(0, HEADER_BYTES));
      this.key = fileKey(this.rootKey, this.header.subarray(MAGIC.length), this.context);
      this.buffered = this.buffered.subarray(HEADER_BYTES);
    }
    let at = 0;
    // More than a whole sealed chunk buffered: the first one cannot be the last.
    while (this.buffered.length - at > SEALED_CHUNK) {
      this.push(this.openChunk(this.buffered.subarray(at, at + SEALED_CHUNK), false));
      at += SEALED_CHUNK;
    }
    this.buffered = at ? this.buffered.subarray(at) : this.buffered;
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.header) throw new StreamAuthError("not an encrypted file");
      this.push(this.openChunk(this.buffered, true));
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

/** Whether a file starts like one written by EncryptStream (its magic), without reading further. */
export async function isSealedFile(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.equals(MAGIC);
  } finally {
    await handle.close();
  }
}
