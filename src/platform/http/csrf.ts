import crypto from "node:crypto";
import type { RequestHandler } from "express";
import type { AppContext } from "../../context.js";
import { ForbiddenError } from "../errors.js";
import { randomToken, safeEqual } from "../crypto.js";
import { secureCookies } from "../../config.js";

const COOKIE = "rd_csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Signed double-submit tokens (OWASP): a random cookie, and in every form an HMAC of it bound to
 * the session. A cross-site form can neither read the cookie nor forge the HMAC.
 * Bearer-token API routes carry no cookies and are exempt.
 */
export function csrfProtection(ctx: AppContext, opts: { exempt: (path: string) => boolean }): RequestHandler {
  const key = Buffer.from(ctx.keys.keyedHash("csrf-key", "v1"), "hex");
  const tokenFor = (cookie: string, sessionHash: string) =>
    crypto.createHmac("sha256", key).update(`${cookie}|${sessionHash}`).digest("base64url");

  return (req, res, next) => {
    let cookie = req.cookies?.[COOKIE] as string | undefined;
    if (!cookie || !/^[\w-]{43}$/.test(cookie)) {
      cookie = randomToken();
      res.cookie(COOKIE, cookie, {
        httpOnly: true,
        sameSite: "lax",
        secure: secureCookies(ctx.config),
        path: "/",
      });
    }
    const expected = tokenFor(cookie, req.session?.idHash ?? "");
    req.csrfToken = expected;
    res.locals.csrfToken = expected;
    if (SAFE_METHODS.has(req.method) || opts.exempt(req.path)) return next();
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get("x-csrf-token");
    if (typeof sent !== "string" || !safeEqual(sent, expected)) return next(new ForbiddenError("csrf"));
    next();
  };
}
