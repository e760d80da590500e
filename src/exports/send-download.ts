import type { FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Response } from "express";
import { safeFileName } from "../platform/text.js";

/**
 * Streams an opened package to the browser as an attachment, then closes the file whatever
 * happens. A HEAD request gets the same headers and nothing is read from the file.
 */
export async function sendDownload(res: Response, file: FileHandle, meta: { fileName: string; contentType: string; sizeBytes: number }): Promise<void> {
  try {
    res.status(200);
    res.attachment(safeFileName(meta.fileName));
    res.type(meta.contentType);
    res.set({ "Content-Length": String(meta.sizeBytes), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    if (res.req.method === "HEAD") return void res.end();
    await pipeline(file.createReadStream({ autoClose: false }), res);
  } catch (err) {
    // The browser went away mid-download: nothing to answer, and not our error.
    if (res.destroyed || (err as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return;
    throw err;
  } finally {
    await file.close().catch(() => undefined);
  }
}
