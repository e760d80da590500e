/**
 * A small, strict ZIP reader for checking uploaded packages on /verify (yauzl is only a test
 * dependency). It reads the central directory, refuses what a package of ours never contains
 * (encryption, duplicate or unsafe names, methods other than stored/deflate, local headers that
 * disagree with the directory) and hashes each entry while inflating it, never holding an
 * inflated file in memory and never inflating more than the directory declares (zip bombs).
 */
import crypto from "node:crypto";
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

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 100_000;

export function looksLikeZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === LOCAL;
}

function findEocd(buf: Buffer): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) === EOCD) return i;
  }
  throw new ZipFormatError("no end of central directory");
}

function need(buf: Buffer, offset: number, length: number): void {
  if (offset < 0 || offset + length > buf.length) throw new ZipFormatError("truncated");
}

/** Lists the entries of a ZIP held in memory. */
export function listZipEntries(buf: Buffer): ZipEntry[] {
  const eocd = findEocd(buf);
  need(buf, eocd, 22);
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    need(buf, loc, 20);
    if (buf.readUInt32LE(loc) !== ZIP64_LOCATOR) throw new ZipFormatError("zip64 locator missing");
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    need(buf, z64, 56);
    if (buf.readUInt32LE(z64) !== ZIP64_EOCD) throw new ZipFormatError("zip64 record missing");
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdSize = Number(buf.readBigUInt64LE(z64 + 40));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  if (count > MAX_ENTRIES) throw new ZipFormatError("too many entries");
  need(buf, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    need(buf, p, 46);
    if (buf.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError("bad central directory");
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    need(buf, p + 46, nameLen + extraLen + commentLen);
    const nameBytes = buf.subarray(p + 46, p + 46 + nameLen);
    const name = nameBytes.toString("utf8");
    const extra = buf.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    ({ compressedSize, uncompressedSize, localOffset } = applyZip64Extra(extra, { compressedSize, uncompressedSize, localOffset }));
    if (flags & 0x1) throw new ZipFormatError("encrypted entry");
    if (method !== 0 && method !== 8) throw new ZipFormatError("unsupported compression");
    if (!safeName(name)) throw new ZipFormatError("unsafe entry name");
    if (seen.has(name)) throw new ZipFormatError("duplicate entry name");
    seen.add(name);

    need(buf, localOffset, 30);
    if (buf.readUInt32LE(localOffset) !== LOCAL) throw new ZipFormatError("bad local header");
    const localNameLen = buf.readUInt16LE(localOffset + 26);
    const localExtraLen = buf.readUInt16LE(localOffset + 28);
    need(buf, localOffset + 30, localNameLen + localExtraLen);
    if (!buf.subarray(localOffset + 30, localOffset + 30 + localNameLen).equals(nameBytes)) {
      throw new ZipFormatError("local header name differs");
    }
    if (buf.readUInt16LE(localOffset + 8) !== method) throw new ZipFormatError("local header method differs");
    const dataOffset = localOffset + 30 + localNameLen + localExtraLen;
    need(buf, dataOffset, compressedSize);
    entries.push({ name, method, compressedSize, uncompressedSize, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function applyZip64Extra(
  extra: Buffer,
  v: { compressedSize: number; uncompressedSize: number; localOffset: number },
): { compressedSize: number; uncompressedSize: number; localOffset: number } {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q);
    const size = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      const read = () => {
        if (r + 8 > q + 4 + size) throw new ZipFormatError("bad zip64 field");
        const n = Number(extra.readBigUInt64LE(r));
        r += 8;
        return n;
      };
      const out = { ...v };
      if (v.uncompressedSize === 0xffffffff) out.uncompressedSize = read();
      if (v.compressedSize === 0xffffffff) out.compressedSize = read();
      if (v.localOffset === 0xffffffff) out.localOffset = read();
      return out;
    }
    q += 4 + size;
  }
  return v;
}

function safeName(name: string): boolean {
  if (name.length === 0 || name.includes("\\") || name.includes("\0") || name.startsWith("/")) return false;
  return !name.split("/").some((part) => part === ".." || part === ".");
}

/** Inflates one entry chunk by chunk into `onChunk`; fails if it is longer or shorter than declared. */
export async function readZipEntry(buf: Buffer, entry: ZipEntry, onChunk: (chunk: Buffer) => void): Promise<void> {
  const raw = buf.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) {
    if (raw.length !== entry.uncompressedSize) throw new ZipFormatError("size differs");
    onChunk(raw);
    return;
  }
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const inflate = zlib.createInflateRaw();
    inflate.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > entry.uncompressedSize) {
        inflate.destroy();
        reject(new ZipFormatError("entry longer than declared"));
        return;
      }
      onChunk(chunk);
    });
    inflate.on("error", () => reject(new ZipFormatError("corrupt compressed data")));
    inflate.on("end", () => resolve());
    inflate.end(raw);
  });
  if (total !== entry.uncompressedSize) throw new ZipFormatError("size differs");
}

export async function sha256OfEntry(buf: Buffer, entry: ZipEntry): Promise<string> {
  const hash = crypto.createHash("sha256");
  await readZipEntry(buf, entry, (c) => hash.update(c));
  return hash.digest("hex");
}

/** A whole small entry (manifest.json), refusing anything over `maxBytes`. */
export async function readSmallEntry(buf: Buffer, entry: ZipEntry, maxBytes: number): Promise<Buffer> {
  if (entry.uncompressedSize > maxBytes) throw new ZipFormatError("entry too large");
  const chunks: Buffer[] = [];
  await readZipEntry(buf, entry, (c) => chunks.push(c));
  return Buffer.concat(chunks);
}
