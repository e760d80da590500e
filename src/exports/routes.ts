/**
 * HTTP for exports: the requester's download, and the public /verify page. Routes parse, call a
 * use case and answer; nothing here touches the database directly.
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import { requesterOf, requireRequester } from "../identity/guards.js";
import { UnauthenticatedError } from "../platform/errors.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { formatters } from "../platform/i18n.js";
import { openExportDownload, type DownloadRefusal } from "./downloads.js";
import { sendDownload } from "./send-download.js";
import { publicKeyFingerprint } from "./manifest.js";
import { lookupVerificationCode, verifyFile, type FileVerification, type IssuedDocument } from "./verify.js";
import { RAW_UPLOAD_TYPES, receiveVerifyUpload, VERIFY_UPLOAD_LIMIT_BYTES } from "./verify-upload.js";

/** Uploads accepted by POST /verify: a browser's multipart form (field "file"), or the raw body. */
export const VERIFY_UPLOAD_TYPES = ["multipart/form-data", ...RAW_UPLOAD_TYPES];
const LIMIT_MB = VERIFY_UPLOAD_LIMIT_BYTES / (1024 * 1024);

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
      headOnly: req.method === "HEAD",
    });
    if (!outcome.ok) return renderUnavailable(req, res, outcome.reason, outcome.row.maxDownloads, String(req.params.reference));
    await sendDownload(res, outcome.file, outcome);
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
  // Streamed to a private temporary file while hashed (verify-upload.ts), checked, then deleted.
  router.post("/verify", verifyLimit, async (req, res) => {
    const upload = await receiveVerifyUpload(req, ctx.config.dataDir);
    const api = wantsJson(req) || !req.accepts("html");
    if (!upload.ok) {
      const status = { too_large: 413, no_file: 422, unsupported: 415 }[upload.reason];
      res.status(status);
      if (upload.reason === "too_large") res.set("Connection", "close");
      if (api) {
        const error = upload.reason === "unsupported" ? "unsupported_upload" : upload.reason;
        res.json({ error, accepted: VERIFY_UPLOAD_TYPES, limitBytes: VERIFY_UPLOAD_LIMIT_BYTES });
        return;
      }
      renderVerify(ctx, req, res, { uploadError: upload.reason });
      return;
    }
    let result: FileVerification;
    try {
      result = await verifyFile(ctx.db, req.org, upload.file);
    } finally {
      // Nothing uploaded outlives the check (it may hold a transcript).
      await upload.discard();
    }
    if (api) {
      res.json(result);
      return;
    }
    renderVerify(ctx, req, res, { fileResult: result });
  });

  return router;
}

function wantsJson(req: Request): boolean {
  return req.accepts(["html", "json"]) === "json";
}

function renderVerify(
  ctx: AppContext,
  req: Request,
  res: Response,
  locals: { code?: string; codeResult?: IssuedDocument | null; fileResult?: FileVerification; uploadError?: "too_large" | "no_file" | "unsupported" },
): void {
  const fmt = formatters(req.locale, req.org.timeZone);
  const issued = (doc: IssuedDocument | null | undefined) => (doc && doc.issuedAt ? fmt.dateTime(new Date(doc.issuedAt)) : "");
  res.render("exports/verify", {
    title: req.t("exports.verifyPage.title"),
    publicKeyPem: req.org.signingPublicKey,
    keyFingerprint: publicKeyFingerprint(req.org.signingPublicKey),
    verifyUrl: `${ctx.config.BASE_URL}/verify`,
    curlExample: `curl --data-binary @document.zip -H "Content-Type: application/zip" -H "Accept: application/json" ${ctx.config.BASE_URL}/verify`,
    code: locals.code ?? "",
    codeResult: locals.codeResult,
    codeIssued: issued(locals.codeResult),
    fileResult: locals.fileResult,
    fileIssued: issued(locals.fileResult?.document),
    uploadError: locals.uploadError ?? null,
    limitMb: LIMIT_MB,
    problems: (locals.fileResult?.problems ?? []).map((p) => describeProblem(req, p)),
  });
}

/** A stable problem code ("file_changed:conversations/001.json") in words, naming the file. */
function describeProblem(req: Request, problem: string): string {
  const [code = "", ...rest] = problem.split(":");
  const key = `exports.verifyPage.problem.${code}`;
  const text = req.t(key, { path: rest.join(":") });
  return text === key ? req.t("exports.verifyPage.problem.other", { code: problem }) : text;
}

function renderUnavailable(req: Request, res: Response, reason: DownloadRefusal, max: number, reference: string): void {
  const status = reason === "not_ready" ? 409 : 410;
  res.status(status).render("exports/unavailable", {
    title: req.t("exports.download.unavailableTitle"),
    message: req.t(`exports.download.${reason}`, { max }),
    reference,
  });
}
