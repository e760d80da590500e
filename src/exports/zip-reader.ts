/**
 * A small, strict ZIP reader for checking uploaded packages on /verify (yauzl is only a test
 * dependency). It reads the central directory, refuses what a package of ours never contains
 * (encryption, duplicate or unsafe names, methods other than stored/deflate, local headers that
 * disagree with the directory) and hashes each entry while inflating it, never holding an
 * inflated file in memory and never inflating more than the directory declares (zip bombs).
 *
 * One parser serves a ZIP in memory (this file's Buffer functions) and a ZIP on disk
 * (zip-file-reader.ts): it asks its source for byte ranges, so the file source only ever reads
 * the end record, the central directory and the local headers, and streams entries.
 */
import crypto from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  dataOffset: number;
}

export class ZipFormatError extends Error {
  constructor(readonly reason: string) {
    super(`invalid zip: ${reason}`);
  }
}

/** Inflating went past a bound: one entry's declared size, or the whole check's budget. */
export class InflateLimitError extends ZipFormatError {
  constructor(readonly bound: "entry" | "total") {
    super(bound === "entry" ? "entry longer than declared" : "inflate budget spent");
  }
}

/** A ZIP's bytes at any offset: a Buffer in memory or an open file. */
export interface ZipSource {
  size: number;
  /** Exactly `length` bytes at `offset`; ZipFormatError("truncated") past either end. */
  read(offset: number, length: number): Promise<Buffer>;
  /** The same bytes as a stream, so an entry is never held whole. */
  stream(offset: number, length: number): Readable;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 100_000;

export function looksLikeZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === LOCAL;
}

export function checkRange(size: number, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > size) throw new ZipFormatError("truncated");
}

function bufferSource(buf: Buffer): ZipSource & { readSync(offset: number, length: number): Buffer } {
  const readSync = (offset: number, length: number) => {
    checkRange(buf.length, offset, length);
    return buf.subarray(offset, offset + length);
  };
  return {
    size: buf.length,
    readSync,
    read: async (offset, length) => readSync(offset, length),
    stream: (offset, length) => Readable.from(length === 0 ? [] : [readSync(offset, length)]),
  };
}

// ---- the parser: yields the byte range it needs next, receives those bytes

interface ByteRange {
  offset: number;
  length: number;
}
type DirectoryParser = Generator<ByteRange, ZipEntry[], Buffer>;

/** Lists the entries, checking each local header against the directory. */
function* parseDirectory(size: number, maxDirectoryBytes: number): DirectoryParser {
  if (size < 22) throw new ZipFormatError("no end of central directory");
  const tailStart = Math.max(0, size - 22 - 0xffff);
  const tail = yield { offset: tailStart, length: size - tailStart };
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0 && eocd < 0; i--) if (tail.readUInt32LE(i) === EOCD) eocd = i;
  if (eocd < 0) throw new ZipFormatError("no end of central directory");
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = yield { offset: tailStart + eocd - 20, length: 20 };
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipFormatError("zip64 locator missing");
    const record = yield { offset: Number(locator.readBigUInt64LE(8)), length: 56 };
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipFormatError("zip64 record missing");
    count = Number(record.readBigUInt64LE(32));
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
  }
  if (count > MAX_ENTRIES) throw new ZipFormatError("too many entries");
  if (cdSize > maxDirectoryBytes) throw new ZipFormatError("central directory too large");
  const cd = yield { offset: cdOffset, length: cdSize };

  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    checkRange(cd.length, p, 46);
    if (cd.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError("bad central directory");
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    checkRange(cd.length, p + 46, nameLen + extraLen + commentLen);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    const name = nameBytes.toString("utf8");
    const { compressedSize, uncompressedSize, localOffset } = applyZip64Extra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), {
      compressedSize: cd.readUInt32LE(p + 20),
      uncompressedSize: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
    });
    if (flags & 0x1) throw new ZipFormatError("encrypted entry");
    if (method !== 0 && method !== 8) throw new ZipFormatError("unsupported compression");
    if (!safeName(name)) throw new ZipFormatError("unsafe entry name");
    if (seen.has(name)) throw new ZipFormatError("duplicate entry name");
    seen.add(name);

    const local = yield { offset: localOffset, length: 30 };
    if (local.readUInt32LE(0) !== LOCAL) throw new ZipFormatError("bad local header");
    if (local.readUInt16LE(8) !== method) throw new ZipFormatError("local header method differs");
    if (!localSizesAgree(local, compressedSize, uncompressedSize)) throw new ZipFormatError("local header size differs");
    const localNameLen = local.readUInt16LE(26);
    const localExtraLen = local.readUInt16LE(28);
    const localName = yield { offset: localOffset + 30, length: localNameLen };
    if (!localName.equals(nameBytes)) throw new ZipFormatError("local header name differs");
    const dataOffset = localOffset + 30 + localNameLen + localExtraLen;
    checkRange(size, dataOffset, compressedSize);
    entries.push({ name, method, compressedSize, uncompressedSize, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function applyZip64Extra(extra: Buffer, v: { compressedSize: number; uncompressedSize: number; localOffset: number }) {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q);
    const size = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      const next = () => {
        if (r + 8 > q + 4 + size || r + 8 > extra.length) throw new ZipFormatError("bad zip64 field");
        const n = Number(extra.readBigUInt64LE(r));
        r += 8;
        return n;
      };
      const out = { ...v };
      if (v.uncompressedSize === 0xffffffff) out.uncompressedSize = next();
      if (v.compressedSize === 0xffffffff) out.compressedSize = next();
      if (v.localOffset === 0xffffffff) out.localOffset = next();
      return out;
    }
    q += 4 + size;
  }
  return v;
}

/**
 * A local header names its sizes unless a data descriptor follows the data (flag bit 3: zeros
 * here) or they are in a ZIP64 field (0xffffffff); where it names them, they are the directory's.
 */
function localSizesAgree(local: Buffer, compressedSize: number, uncompressedSize: number): boolean {
  if (local.readUInt16LE(6) & 0x8) return true;
  const agree = (at: number, size: number) => local.readUInt32LE(at) === 0xffffffff || local.readUInt32LE(at) === size;
  return agree(18, compressedSize) && agree(22, uncompressedSize);
}

function safeName(name: string): boolean {
  if (name.length === 0 || name.includes("\\") || name.includes("\0") || name.startsWith("/")) return false;
  return !name.split("/").some((part) => part === ".." || part === ".");
}

/** Lists the entries of any source; `maxDirectoryBytes` bounds what is read into memory. */
export async function listSourceEntries(source: ZipSource, maxDirectoryBytes = Infinity): Promise<ZipEntry[]> {
  const parser = parseDirectory(source.size, maxDirectoryBytes);
  let step = parser.next();
  while (!step.done) step = parser.next(await source.read(step.value.offset, step.value.length));
  return step.value;
}

/** Lists the entries of a ZIP held in memory (synchronously: the bytes are already there). */
export function listZipEntries(buf: Buffer): ZipEntry[] {
  const source = bufferSource(buf);
  const parser = parseDirectory(buf.length, Infinity);
  let step = parser.next();
  while (!step.done) step = parser.next(source.readSync(step.value.offset, step.value.length));
  return step.value;
}

// ---- entries: streamed from the source, inflated and checked chunk by chunk

/**
 * The bytes inflated during one check, over every entry it read, and the most it may inflate:
 * the bound on the work one uploaded file can cause, whatever its headers declare.
 */
export class InflateBudget {
  inflated = 0;
  constructor(public limit = Number.POSITIVE_INFINITY) {}

  /** Whether `bytes` more still fit. */
  allows(bytes: number): boolean {
    return this.inflated + bytes <= this.limit;
  }
}

/**
 * Streams one entry, inflated, into `onChunk`; fails as soon as it is longer than its directory
 * entry declares or the budget is spent (the inflater is destroyed at once, a chunk later at
 * most), and at the end if it is shorter.
 */
export async function readSourceEntry(source: ZipSource, entry: ZipEntry, onChunk: (chunk: Buffer) => void, budget = new InflateBudget()): Promise<void> {
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      total += chunk.length;
      budget.inflated += chunk.length;
      if (total > entry.uncompressedSize) return done(new InflateLimitError("entry"));
      if (budget.inflated > budget.limit) return done(new InflateLimitError("total"));
      onChunk(chunk);
      done();
    },
  });
  const raw = source.stream(entry.dataOffset, entry.compressedSize);
  try {
    if (entry.method === 0) await pipeline(raw, sink);
    else await pipeline(raw, zlib.createInflateRaw(), sink);
  } catch (err) {
    throw err instanceof ZipFormatError ? err : new ZipFormatError("corrupt compressed data");
  }
  if (total !== entry.uncompressedSize) throw new ZipFormatError("size differs");
}

export async function sha256OfSourceEntry(source: ZipSource, entry: ZipEntry, budget?: InflateBudget): Promise<string> {
  const hash = crypto.createHash("sha256");
  await readSourceEntry(source, entry, (c) => hash.update(c), budget);
  return hash.digest("hex");
}

/** A whole small entry (manifest.json), refusing anything over `maxBytes`. */
export async function readSmallSourceEntry(source: ZipSource, entry: ZipEntry, maxBytes: number, budget?: InflateBudget): Promise<Buffer> {
  if (entry.uncompressedSize > maxBytes) throw new ZipFormatError("entry too large");
  const chunks: Buffer[] = [];
  await readSourceEntry(source, entry, (c) => chunks.push(c), budget);
  return Buffer.concat(chunks);
}

// ---- the Buffer functions, as before

export function readZipEntry(buf: Buffer, entry: ZipEntry, onChunk: (chunk: Buffer) => void): Promise<void> {
  return readSourceEntry(bufferSource(buf), entry, onChunk);
}

export function sha256OfEntry(buf: Buffer, entry: ZipEntry): Promise<string> {
  return sha256OfSourceEntry(bufferSource(buf), entry);
}

export function readSmallEntry(buf: Buffer, entry: ZipEntry, maxBytes: number): Promise<Buffer> {
  return readSmallSourceEntry(bufferSource(buf), entry, maxBytes);
}
