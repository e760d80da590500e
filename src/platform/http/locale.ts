import type { RequestHandler } from "express";
import type { AppContext } from "../../context.js";
import { formatters, isLocale, localeNames, negotiateLocale, supportedLocales, translator, type Locale } from "../i18n.js";

const COOKIE = "rd_lang";

/**
 * The user's language: an explicit choice (?lang=, remembered in a cookie), else the session's,
 * else Accept-Language, else the organization's default.
 */
export function chooseLocale(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const asked = req.query.lang;
    if (isLocale(asked)) {
      res.cookie(COOKIE, asked, { httpOnly: true, sameSite: "lax", maxAge: 365 * 86_400_000, path: "/", secure: ctx.config.TRUST_PROXY || ctx.config.production });
    }
    const cookie = req.cookies?.[COOKIE] as string | undefined;
    const locale: Locale =
      (isLocale(asked) && asked) ||
      (isLocale(cookie) && cookie) ||
      (isLocale(req.session?.locale) && req.session.locale) ||
      negotiateLocale(req.get("accept-language"), supportedLocales) ||
      (isLocale(req.org.defaultLocale) ? req.org.defaultLocale : "en");
    req.locale = locale;
    req.t = translator(locale);
    const fmt = formatters(locale, req.org.timeZone);
    Object.assign(res.locals, {
      t: req.t,
      locale,
      fmt,
      org: req.org,
      locales: supportedLocales.map((code) => ({ code, name: localeNames[code] })),
      currentPath: req.path,
      fieldErrors: {},
      values: {},
    });
    next();
  };
}
