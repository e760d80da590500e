import type { Request, Response } from "express";
import type { AppContext } from "../context.js";
import { ValidationError } from "../platform/errors.js";
import { isLocale } from "../platform/i18n.js";
import { recentlyAuthenticated, staffActorOf } from "../identity/staff-session.js";
import { dropKeptForm, keepFormForReauth, RESUME_PATH } from "../identity/reauth-replay.js";
import { secureCookies } from "../config.js";
import type { CookieChange } from "../platform/http/route-table.js";

/** Re-renders a form with its field errors (422); anything but a validation error goes on to the error page. */
export function fail(res: Response, view: string, locals: Record<string, unknown>, err: unknown): void {
  if (!(err instanceof ValidationError)) throw err;
  res.status(422).render(view, { staffArea: true, ...locals, fieldErrors: err.fieldErrors });
}

/**
 * Before a destructive change: when the last password check is older than REAUTH_MS, the posted
 * form is kept server-side and the staff member is sent to confirm their password, after which
 * they re-send it with one click. Returns true when it answered (the caller stops there).
 */
export async function reauthFirst(ctx: AppContext, req: Request, res: Response): Promise<boolean> {
  const actor = staffActorOf(req);
  if (recentlyAuthenticated(ctx, req.session)) {
    await dropKeptForm(ctx, req.session);
    return false;
  }
  await keepFormForReauth(ctx, req.session!, actor.id, req.originalUrl.split("?")[0]!, req.body);
  res.redirect(303, `/staff/reauth?next=${encodeURIComponent(RESUME_PATH)}`);
  return true;
}

/** The language cookie of platform/http/locale.ts, set to a staff member's saved choice (or cleared). */
const LANG_COOKIE = "rd_lang";
export function staffLocaleCookie(ctx: AppContext, locale: string | null): CookieChange {
  const options = { httpOnly: true, sameSite: "lax", path: "/", secure: secureCookies(ctx.config) } as const;
  return isLocale(locale) ? { name: LANG_COOKIE, value: locale, options: { ...options, maxAge: 365 * 86_400_000 } } : { name: LANG_COOKIE, options };
}
export function rememberStaffLocale(ctx: AppContext, res: Response, locale: string | null): void {
  const c = staffLocaleCookie(ctx, locale);
  if (c.value === undefined) res.clearCookie(c.name, c.options);
  else res.cookie(c.name, c.value, c.options);
}

/** The address of this request's client, for audit pseudonyms and rate limits. */
export const ipOf = (req: Request) => req.ip;
