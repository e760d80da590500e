import type { ErrorRequestHandler, Request, Response } from "express";
import type { AppContext } from "../../context.js";
import { isDatabaseUnavailable } from "../../db/client.js";
import { AppError, DatabaseUnavailableError, NotFoundError, RateLimitedError, ValidationError } from "../errors.js";
import { translator, type Translate } from "../i18n.js";
import { escapeHtml } from "../text.js";
import { setPageLocals } from "./locale.js";
import type { Organization } from "./types.js";

/** Whether the caller speaks the JSON API (problem+json) rather than HTML pages. */
export function wantsProblemJson(req: Request): boolean {
  return req.path.startsWith("/api/") || (req.get("accept") ?? "").startsWith("application/json");
}

export function notFound(): (req: Request, res: Response, next: (err?: unknown) => void) => void {
  return (req, res, next) => {
    // A language switch on a page shown at a POST-only address (a form's answer): the page above it.
    if (res.locals.languageSwitched && req.path !== "/") {
      const parent = `/${req.path.replace(/^[/\\]+/, "").replace(/\/+$/, "").replace(/\/?[^/]*$/, "")}`;
      return res.redirect(303, `${parent}?lang=${encodeURIComponent(req.locale)}`);
    }
    next(new NotFoundError("page"));
  };
}

/**
 * The one place errors become answers. Known errors get their status and a localized message;
 * anything else is logged (without request data) and shown as a generic 500. Never a stack trace:
 * this handler renders the page itself, on every path, and never hands an error on to Express's
 * default handler (which prints the stack outside NODE_ENV=production).
 *
 * A request can fail before the middleware that sets the page's language and organization ran (a
 * body the parser refused, a host no organization answers): the handler then sets them itself,
 * without an organization if there is none.
 */
export function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = normalize(err);
    if (!known) ctx.logger.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : String(err), route: req.path }, "unhandled error");
    if (res.headersSent) {
      // Part of the answer is out (a download, a streamed CSV): cut the connection so the client
      // sees an incomplete transfer instead of a short body that looks whole.
      res.destroy();
      return;
    }
    const status = known?.status ?? 500;
    try {
      if (!res.locals.t) setPageLocals(req, res, (req.org as Organization | undefined) ?? undefined);
      const t = req.t ?? translator("en");
      const code = known?.code ?? "internal";
      if (err instanceof RateLimitedError) res.set("Retry-After", String(err.retryAfterSeconds));
      if (known instanceof DatabaseUnavailableError) res.set("Retry-After", String(known.retryAfterSeconds));
      if (wantsProblemJson(req)) return sendProblem(res, t, status, code, err);
      const page = {
        title: t(`platform.errors.${code}.title`),
        status,
        code,
        message: t(`platform.errors.${code}.message`, { minutes: err instanceof RateLimitedError ? Math.ceil(err.retryAfterSeconds / 60) : 0 }),
      };
      res.status(status).render("error", page, (renderErr: unknown, html?: string) => {
        if (renderErr || html === undefined) {
          ctx.logger.error({ err: renderErr instanceof Error ? { name: renderErr.name, stack: renderErr.stack } : String(renderErr), route: req.path }, "error page failed to render");
          return sendBarePage(res, status, req.locale ?? "en", page.title, page.message);
        }
        res.send(html);
      });
    } catch (handlerErr) {
      ctx.logger.error({ err: handlerErr instanceof Error ? { name: handlerErr.name, stack: handlerErr.stack } : String(handlerErr), route: req.path }, "error handler failed");
      const t = translator("en");
      sendBarePage(res, status, "en", t("platform.errors.internal.title"), t("platform.errors.internal.message"));
    }
  };
}

function sendProblem(res: Response, t: Translate, status: number, code: string, err: unknown): void {
  res.status(status).type("application/problem+json").json({
    type: `https://rightsdesk.invalid/problems/${code}`,
    title: t(`platform.errors.${code}.title`),
    status,
    detail: t(`platform.errors.${code}.message`, { minutes: err instanceof RateLimitedError ? Math.ceil(err.retryAfterSeconds / 60) : 0 }),
    ...(err instanceof ValidationError
      ? { errors: Object.entries(err.fieldErrors).map(([pointer, key]) => ({ pointer, detail: t(key) })) }
      : {}),
    ...(err instanceof RateLimitedError ? { retryAfter: err.retryAfterSeconds } : {}),
  });
}

/** The last resort when even the error page cannot be rendered: no layout, still no internals. */
function sendBarePage(res: Response, status: number, lang: string, title: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res
    .status(status)
    .type("html")
    .send(`<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`);
}


/** Body-parser failures (too large, malformed, a charset or encoding it cannot read) are the client's. */
function normalize(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return new DatabaseUnavailableError();
  const e = err as { type?: string; status?: number };
  if (e?.type === "entity.too.large" || e?.type === "parameters.too.many") return new AppError(413, "too_large");
  if (e?.type === "entity.parse.failed") return new AppError(400, "bad_request");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new AppError(e.status, "bad_request");
  return undefined;
}
