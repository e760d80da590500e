/**
 * The ZIP reader of zip-reader.ts, for a package on disk (an upload to /verify): only the end
 * record, the central directory and the local headers are read into memory; each entry is streamed
 * from the file, inflated and hashed chunk by chunk. Parsing and refusals are zip-reader.ts's.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import {
  checkRange,
  listSourceEntries,
  readSmallSourceEntry,
  readSourceEntry,
  sha256OfSourceEntry,
  ZipFormatError,
  type InflateBudget,
  type ZipEntry,
  type ZipSource,
} from "./zip-reader.js";

/** A central directory of 100,000 entries with long names stays well below this. */
const MAX_DIRECTORY_BYTES = 32 * 1024 * 1024;

/** A file opened for reads at any offset. */
export interface ZipFile extends ZipSource {
  path: string;
  close(): Promise<void>;
}

export async function openZipFile(path: string): Promise<ZipFile> {
  const handle = await fs.promises.open(path, "r");
  const { size } = await handle.stat();
  return {
    path,
    size,
    async read(offset, length) {
      checkRange(size, offset, length);
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new ZipFormatError("truncated");
        done += bytesRead;
      }
      return buf;
    },
    stream(offset, length) {
      checkRange(size, offset, length);
      return length === 0 ? Readable.from([]) : fs.createReadStream(path, { start: offset, end: offset + length - 1 });
    },
    close: () => handle.close(),
  };
}

/** Lists the entries of a ZIP file, checking each local header against the directory. */
export function listZipFileEntries(file: ZipFile): Promise<ZipEntry[]> {
  return listSourceEntries(file, MAX_DIRECTORY_BYTES);
}

/** Streams one entry, inflated, into `onChunk`; fails if it is longer or shorter than declared. */
export function readZipFileEntry(file: ZipFile, entry: ZipEntry, onChunk: (chunk: Buffer) => void): Promise<void> {
  return readSourceEntry(file, entry, onChunk);
}

export function sha256OfZipFileEntry(file: ZipFile, entry: ZipEntry, budget?: InflateBudget): Promise<string> {
  return sha256OfSourceEntry(file, entry, budget);
}

/** A whole small entry (manifest.json), refusing anything over `maxBytes`. */
export function readSmallZipFileEntry(file: ZipFile, entry: ZipEntry, maxBytes: number, budget?: InflateBudget): Promise<Buffer> {
  return readSmallSourceEntry(file, entry, maxBytes, budget);
}
