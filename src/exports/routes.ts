/**
 * HTTP for exports: the requester's download, and the public /verify page. Routes parse, call a
 * use case and answer; nothing here touches the database directly.
 */
import { pipeline } from "node:stream/promises";
import express, { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import { requesterOf, requireRequester } from "../identity/guards.js";
import { UnauthenticatedError } from "../platform/errors.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { formatters } from "../platform/i18n.js";
import { openExportDownload, type DownloadRefusal } from "./downloads.js";
import { publicKeyFingerprint } from "./manifest.js";
import { lookupVerificationCode, verifyFile, type FileVerification, type IssuedDocument } from "./verify.js";

/** Uploads accepted by POST /verify as a raw body (a browser form needs a multipart parser). */
export const VERIFY_UPLOAD_TYPES = ["application/zip", "application/x-zip-compressed", "application/pdf", "application/octet-stream"];
export const VERIFY_UPLOAD_LIMIT = "200mb";

export function exportsRouter(ctx: AppContext): Router {
  const router = Router();

  router.get("/requests/:reference/download/:exportId", requireRequester(), async (req, res) => {
    const requester = requesterOf(req);
    if (!requester) throw new UnauthenticatedError();
    const outcome = await openExportDownload(ctx, {
      orgId: req.org.id,
      requester,
      reference: String(req.params.reference),
      exportId: String(req.params.exportId),
      ip: clientIp(req),
    });
    if (!outcome.ok) return renderUnavailable(req, res, outcome.reason, outcome.row.maxDownloads, String(req.params.reference));
    const { file } = outcome;
    try {
      res.status(200);
      res.attachment(outcome.fileName);
      res.type(outcome.contentType);
      res.set({ "Content-Length": String(outcome.sizeBytes), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
      await pipeline(file.createReadStream({ autoClose: false }), res);
    } catch (err) {
      // The browser went away mid-download: nothing to answer, and not our error.
      if (res.destroyed || (err as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE") return;
      throw err;
    } finally {
      await file.close().catch(() => undefined);
    }
  });

  const verifyLimit = limiter(ctx, {
    name: "verify",
    windowMs: 15 * 60_000,
    limit: 60,
    key: (req) => (req.method === "POST" || typeof req.query.code === "string" ? clientIp(req) : undefined),
  });

  router.get("/verify", verifyLimit, async (req, res) => {
    const code = typeof req.query.code === "string" ? req.query.code.slice(0, 64) : undefined;
    const document = code ? await lookupVerificationCode(ctx.db, req.org, code) : undefined;
    if (code !== undefined && wantsJson(req)) {
      res.status(document ? 200 : 404).json(document ? { found: true, document } : { found: false });
      return;
    }
    renderVerify(ctx, req, res, { code, codeResult: code === undefined ? undefined : (document ?? null) });
  });

  // CSRF-exempt in app.ts: anyone (a police officer) may check a file; it changes nothing.
  router.post(
    "/verify",
    verifyLimit,
    express.raw({ type: VERIFY_UPLOAD_TYPES, limit: VERIFY_UPLOAD_LIMIT }),
    async (req, res) => {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
        res.status(415);
        if (wantsJson(req) || !req.accepts("html")) {
          res.json({ error: "unsupported_upload", accepted: VERIFY_UPLOAD_TYPES });
          return;
        }
        renderVerify(ctx, req, res, { uploadError: true });
        return;
      }
      const result = await verifyFile(ctx.db, req.org, req.body);
      if (wantsJson(req) || !req.accepts("html")) {
        res.json(result);
        return;
      }
      renderVerify(ctx, req, res, { fileResult: result });
    },
  );

  return router;
}

function wantsJson(req: Request): boolean {
  return req.accepts(["html", "json"]) === "json";
}

function renderVerify(
  ctx: AppContext,
  req: Request,
  res: Response,
  locals: { code?: string; codeResult?: IssuedDocument | null; fileResult?: FileVerification; uploadError?: boolean },
): void {
  const fmt = formatters(req.locale, req.org.timeZone);
  const issued = (doc: IssuedDocument | null | undefined) => (doc && doc.issuedAt ? fmt.dateTime(new Date(doc.issuedAt)) : "");
  res.render("exports/verify", {
    title: req.t("exports.verifyPage.title"),
    publicKeyPem: req.org.signingPublicKey,
    keyFingerprint: publicKeyFingerprint(req.org.signingPublicKey),
    verifyUrl: `${ctx.config.BASE_URL}/verify`,
    code: locals.code ?? "",
    codeResult: locals.codeResult,
    codeIssued: issued(locals.codeResult),
    fileResult: locals.fileResult,
    fileIssued: issued(locals.fileResult?.document),
    uploadError: locals.uploadError ?? false,
  });
}

function renderUnavailable(req: Request, res: Response, reason: DownloadRefusal, max: number, reference: string): void {
  const status = reason === "not_ready" ? 409 : 410;
  res.status(status).render("exports/unavailable", {
    title: req.t("exports.download.unavailableTitle"),
    message: req.t(`exports.download.${reason}`, { max }),
    reference,
  });
}
