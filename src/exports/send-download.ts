import { pipeline } from "node:stream/promises";
import type { Response } from "express";
import { safeFileName } from "../platform/text.js";
import { decryptingReadStream } from "../platform/export-files.js";
import type { StoredBlob } from "../platform/blob-store.js";

/**
 * Streams an opened package to the browser as an attachment, decrypting as it goes, then closes
 * the blob whatever happens. A HEAD request gets the same headers and nothing is read from the
 * file. Content-Length is the plaintext's. Should a chunk fail authentication mid-stream (the
 * file changed after it was checked), the connection is cut short of Content-Length, so no
 * client takes the partial body for a complete file.
 */
export async function sendDownload(res: Response, file: StoredBlob, meta: { key: Buffer; row: { id: string }; fileName: string; contentType: string; sizeBytes: number }): Promise<void> {
  try {
    res.status(200);
    res.attachment(safeFileName(meta.fileName));
    res.type(meta.contentType);
    res.set({ "Content-Length": String(meta.sizeBytes), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    if (res.req.method === "HEAD") return void res.end();
    await pipeline(decryptingReadStream(file.stream(), meta.key, meta.row.id), res);
  } catch (err) {
    // The browser went away mid-download: nothing to answer, and not our error.
    if (res.destroyed || (err as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return;
    if (res.headersSent) return void res.destroy(); // a body cut short: never a complete-looking response
    throw err;
  } finally {
    await file.close().catch(() => undefined);
  }
}
