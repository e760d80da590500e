import type { AppContext } from "../context.js";
import { isLocale } from "../platform/i18n.js";
import { secureCookies } from "../config.js";
import type { CookieChange } from "../platform/http/route-table.js";

/** The language cookie of platform/http/locale.ts, set to a staff member's saved choice (or cleared). */
const LANG_COOKIE = "rd_lang";
export function staffLocaleCookie(ctx: AppContext, locale: string | null): CookieChange {
  const options = { httpOnly: true, sameSite: "lax", path: "/", secure: secureCookies(ctx.config) } as const;
  return isLocale(locale) ? { name: LANG_COOKIE, value: locale, options: { ...options, maxAge: 365 * 86_400_000 } } : { name: LANG_COOKIE, options };
}
