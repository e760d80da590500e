/**
 * HTTP for exports: the requester's download, and the public /verify page. Routes parse, call a
 * use case and answer; nothing here touches the database directly.
 */
import { Router, type RequestHandler } from "express";
import type { AppContext } from "../context.js";
import { requesterAudience } from "../identity/audience.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { mountRoutes, publicAudience, route, type Answer, type Call } from "../platform/http/route-table.js";
import { formatters, type Translate } from "../platform/i18n.js";
import { openExportDownload, type DownloadRefusal } from "./downloads.js";
import { sendDownload } from "./send-download.js";
import { publicKeyFingerprint } from "./manifest.js";
import { lookupVerificationCode, verifyFile, type FileVerification, type IssuedDocument } from "./verify.js";
import { RAW_UPLOAD_TYPES, receiveVerifyUpload, VERIFY_UPLOAD_LIMIT_BYTES, type UploadOutcome } from "./verify-upload.js";

/** Uploads accepted by POST /verify: a browser's multipart form (field "file"), or the raw body. */
export const VERIFY_UPLOAD_TYPES = ["multipart/form-data", ...RAW_UPLOAD_TYPES];
const LIMIT_MB = VERIFY_UPLOAD_LIMIT_BYTES / (1024 * 1024);

/** Where the upload middleware leaves what it received, for the route to read as its form. */
const UPLOAD = "upload";
/** Streams the upload to a private temporary file while hashing it, before the route runs (as a body parser would). */
function receiveUpload(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    req.body = { [UPLOAD]: await receiveVerifyUpload(req, ctx.config.dataDir) };
    next();
  };
}
const uploadOf = (call: Call) => call.form[UPLOAD] as UploadOutcome;

const wantsJson = (call: Call) => call.accepts("html", "json") === "json";
type VerifyLocals = { code?: string; codeResult?: IssuedDocument | null; fileResult?: FileVerification; uploadError?: "too_large" | "no_file" | "unsupported" };

function exportRoutes(ctx: AppContext) {
  const verifyLimit = limiter(ctx, {
    name: "verify",
    windowMs: 15 * 60_000,
    limit: 60,
    key: (req) => (req.method === "POST" || typeof req.query.code === "string" ? clientIp(req) : undefined),
  });
  return [
    route({
      method: "get", path: "/requests/:reference/download/:exportId", who: requesterAudience,
      run: async ({ ctx, org, actor, params, ip, t, method }) => {
        const reference = String(params.reference);
        const outcome = await openExportDownload(ctx, { orgId: org.id, requester: actor, reference, exportId: String(params.exportId), ip, headOnly: method === "HEAD" });
        if (!outcome.ok) return unavailable(t, outcome.reason, outcome.row.maxDownloads, reference);
        return { send: (res) => sendDownload(res, outcome.file, outcome) };
      },
    }),
    route({
      method: "get", path: "/verify", who: publicAudience, limits: [verifyLimit],
      run: async (call) => {
        const code = typeof call.query.code === "string" ? call.query.code.slice(0, 64) : undefined;
        const document = code ? await lookupVerificationCode(call.ctx.db, call.org, code) : undefined;
        if (code !== undefined && wantsJson(call)) return { json: document ? { found: true, document } : { found: false }, status: document ? 200 : 404 };
        return verifyPage(call, { code, codeResult: code === undefined ? undefined : (document ?? null) });
      },
    }),
    // CSRF-exempt in app.ts: anyone (a police officer) may check a file; it changes nothing.
    // Streamed to a private temporary file while hashed (verify-upload.ts), checked, then deleted.
    route({
      method: "post", path: "/verify", who: publicAudience, limits: [verifyLimit, receiveUpload(ctx)],
      run: async (call) => {
        const upload = uploadOf(call);
        const api = wantsJson(call) || !call.accepts("html");
        if (!upload.ok) {
          const status = { too_large: 413, no_file: 422, unsupported: 415 }[upload.reason];
          const headers = upload.reason === "too_large" ? { Connection: "close" } : undefined;
          if (!api) return { ...verifyPage(call, { uploadError: upload.reason }), status, headers };
          const error = upload.reason === "unsupported" ? "unsupported_upload" : upload.reason;
          return { json: { error, accepted: VERIFY_UPLOAD_TYPES, limitBytes: VERIFY_UPLOAD_LIMIT_BYTES }, status, headers };
        }
        let result: FileVerification;
        try {
          result = await verifyFile(call.ctx.db, call.org, upload.file);
        } finally {
          // Nothing uploaded outlives the check (it may hold a transcript).
          await upload.discard();
        }
        return api ? { json: result } : verifyPage(call, { fileResult: result });
      },
    }),
  ];
}

export function exportsRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: exportRoutes(ctx) });
  return router;
}

function verifyPage({ ctx, org, t, locale }: Call, locals: VerifyLocals): { view: string; locals: Record<string, unknown> } {
  const fmt = formatters(locale, org.timeZone);
  const issued = (doc: IssuedDocument | null | undefined) => (doc && doc.issuedAt ? fmt.dateTime(new Date(doc.issuedAt)) : "");
  return {
    view: "exports/verify",
    locals: {
      title: t("exports.verifyPage.title"),
      publicKeyPem: org.signingPublicKey,
      keyFingerprint: publicKeyFingerprint(org.signingPublicKey),
      verifyUrl: `${ctx.config.BASE_URL}/verify`,
      curlExample: `curl --data-binary @document.zip -H "Content-Type: application/zip" -H "Accept: application/json" ${ctx.config.BASE_URL}/verify`,
      code: locals.code ?? "",
      codeResult: locals.codeResult,
      codeIssued: issued(locals.codeResult),
      fileResult: locals.fileResult,
      fileIssued: issued(locals.fileResult?.document),
      uploadError: locals.uploadError ?? null,
      limitMb: LIMIT_MB,
      problems: (locals.fileResult?.problems ?? []).map((p) => describeProblem(t, p)),
    },
  };
}

/** A stable problem code ("file_changed:conversations/001.json") in words, naming the file. */
function describeProblem(t: Translate, problem: string): string {
  const [code = "", ...rest] = problem.split(":");
  const key = `exports.verifyPage.problem.${code}`;
  const text = t(key, { path: rest.join(":") });
  return text === key ? t("exports.verifyPage.problem.other", { code: problem }) : text;
}

function unavailable(t: Translate, reason: DownloadRefusal, max: number, reference: string): Answer {
  return {
    view: "exports/unavailable", status: reason === "not_ready" ? 409 : 410,
    locals: { title: t("exports.download.unavailableTitle"), message: t(`exports.download.${reason}`, { max }), reference },
  };
}
