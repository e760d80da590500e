/**
 * The ZIP reader of zip-reader.ts, for a package on disk (an upload to /verify): only the end
 * record, the central directory and the local headers are read into memory; each entry is streamed
 * from the file, inflated and hashed chunk by chunk. The same refusals apply (encryption, unsafe or
 * duplicate names, other methods, headers that disagree, entries longer than declared).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable, Writable } from "node:stream";
import zlib from "node:zlib";
import { ZipFormatError, type ZipEntry } from "./zip-reader.js";

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 100_000;
/** A central directory of 100,000 entries with long names stays well below this. */
const MAX_DIRECTORY_BYTES = 32 * 1024 * 1024;

/** A file opened for reads at any offset. */
export interface ZipFile {
  path: string;
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openZipFile(path: string): Promise<ZipFile> {
  const handle = await fs.promises.open(path, "r");
  const { size } = await handle.stat();
  return {
    path,
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw new ZipFormatError("truncated");
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new ZipFormatError("truncated");
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}

function safeName(name: string): boolean {
  if (name.length === 0 || name.includes("\\") || name.includes("\0") || name.startsWith("/")) return false;
  return !name.split("/").some((part) => part === ".." || part === ".");
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

async function directoryBounds(file: ZipFile): Promise<{ count: number; cdSize: number; cdOffset: number }> {
  if (file.size < 22) throw new ZipFormatError("no end of central directory");
  const tailStart = Math.max(0, file.size - 22 - 0xffff);
  const tail = await file.read(tailStart, file.size - tailStart);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError("no end of central directory");
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = await file.read(tailStart + eocd - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipFormatError("zip64 locator missing");
    const record = await file.read(Number(locator.readBigUInt64LE(8)), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipFormatError("zip64 record missing");
    count = Number(record.readBigUInt64LE(32));
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
  }
  if (count > MAX_ENTRIES) throw new ZipFormatError("too many entries");
  if (cdSize > MAX_DIRECTORY_BYTES) throw new ZipFormatError("central directory too large");
  return { count, cdSize, cdOffset };
}

/** Lists the entries of a ZIP file, checking each local header against the directory. */
export async function listZipFileEntries(file: ZipFile): Promise<ZipEntry[]> {
  const { count, cdSize, cdOffset } = await directoryBounds(file);
  const cd = await file.read(cdOffset, cdSize);
  const need = (offset: number, length: number) => {
    if (offset + length > cd.length) throw new ZipFormatError("truncated");
  };
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    need(p, 46);
    if (cd.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError("bad central directory");
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    need(p + 46, nameLen + extraLen + commentLen);
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

    const local = await file.read(localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw new ZipFormatError("bad local header");
    if (local.readUInt16LE(8) !== method) throw new ZipFormatError("local header method differs");
    const localNameLen = local.readUInt16LE(26);
    const localExtraLen = local.readUInt16LE(28);
    if (!(await file.read(localOffset + 30, localNameLen)).equals(nameBytes)) throw new ZipFormatError("local header name differs");
    const dataOffset = localOffset + 30 + localNameLen + localExtraLen;
    if (dataOffset + compressedSize > file.size) throw new ZipFormatError("truncated");
    entries.push({ name, method, compressedSize, uncompressedSize, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Streams one entry, inflated, into `onChunk`; fails if it is longer or shorter than declared. */
export async function readZipFileEntry(file: ZipFile, entry: ZipEntry, onChunk: (chunk: Buffer) => void): Promise<void> {
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > entry.uncompressedSize) return done(new ZipFormatError("entry longer than declared"));
      onChunk(chunk);
      done();
    },
  });
  const raw = entry.compressedSize === 0
    ? Readable.from([])
    : fs.createReadStream(file.path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressedSize - 1 });
  try {
    if (entry.method === 0) await pipeline(raw, sink);
    else await pipeline(raw, zlib.createInflateRaw(), sink);
  } catch (err) {
    throw err instanceof ZipFormatError ? err : new ZipFormatError("corrupt compressed data");
  }
  if (total !== entry.uncompressedSize) throw new ZipFormatError("size differs");
}

export async function sha256OfZipFileEntry(file: ZipFile, entry: ZipEntry): Promise<string> {
  const hash = crypto.createHash("sha256");
  await readZipFileEntry(file, entry, (c) => hash.update(c));
  return hash.digest("hex");
}

/** A whole small entry (manifest.json), refusing anything over `maxBytes`. */
export async function readSmallZipFileEntry(file: ZipFile, entry: ZipEntry, maxBytes: number): Promise<Buffer> {
  if (entry.uncompressedSize > maxBytes) throw new ZipFormatError("entry too large");
  const chunks: Buffer[] = [];
  await readZipFileEntry(file, entry, (c) => chunks.push(c));
  return Buffer.concat(chunks);
}
