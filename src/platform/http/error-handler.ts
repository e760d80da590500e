import type { ErrorRequestHandler, Request, Response } from "express";
import type { AppContext } from "../../context.js";
import { isDatabaseUnavailable } from "../../db/client.js";
import { AppError, DatabaseUnavailableError, NotFoundError, RateLimitedError, ValidationError } from "../errors.js";
import { translator } from "../i18n.js";

/** Whether the caller speaks the JSON API (problem+json) rather than HTML pages. */
export function wantsProblemJson(req: Request): boolean {
  return req.path.startsWith("/api/") || (req.get("accept") ?? "").startsWith("application/json");
}

export function notFound(): (req: Request, res: Response, next: (err?: unknown) => void) => void {
  return (_req, _res, next) => next(new NotFoundError("page"));
}

/**
 * The one place errors become answers. Known errors get their status and a localized message;
 * anything else is logged (without request data) and shown as a generic 500. Never a stack trace.
 */
export function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = normalize(err);
    if (!known) ctx.logger.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : String(err), route: req.path }, "unhandled error");
    const status = known?.status ?? 500;
    const code = known?.code ?? "internal";
    if (err instanceof RateLimitedError) res.set("Retry-After", String(err.retryAfterSeconds));
    if (known instanceof DatabaseUnavailableError) res.set("Retry-After", String(known.retryAfterSeconds));
    if (res.headersSent) return res.end();
    const t = req.t ?? translator("en");
    if (wantsProblemJson(req)) {
      res.status(status).type("application/problem+json").json({
        type: `https://rightsdesk.invalid/problems/${code}`,
        title: t(`platform.errors.${code}.title`),
        status,
        ...(err instanceof ValidationError
          ? { errors: Object.entries(err.fieldErrors).map(([pointer, key]) => ({ pointer, detail: t(key) })) }
          : {}),
        ...(err instanceof RateLimitedError ? { retryAfter: err.retryAfterSeconds } : {}),
      });
      return;
    }
    res.status(status).render("error", {
      title: t(`platform.errors.${code}.title`),
      status,
      code,
      message: t(`platform.errors.${code}.message`, {
        minutes: err instanceof RateLimitedError ? Math.ceil(err.retryAfterSeconds / 60) : 0,
      }),
    });
  };
}

function normalize(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return new DatabaseUnavailableError();
  const e = err as { type?: string; status?: number };
  // body-parser errors (too large, malformed) are the client's, not ours.
  if (e?.type === "entity.too.large") return new AppError(413, "too_large");
  if (e?.type === "entity.parse.failed") return new AppError(400, "bad_request");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new AppError(e.status, "bad_request");
  return undefined;
}
