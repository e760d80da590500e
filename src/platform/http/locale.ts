import type { Request, RequestHandler, Response } from "express";
import type { AppContext } from "../../context.js";
import { formatters, isLocale, localeNames, negotiateLocale, supportedLocales, translator, type Locale } from "../i18n.js";
import { secureCookies } from "../../config.js";
import type { Organization } from "./types.js";

const COOKIE = "rd_lang";
const YEAR_MS = 365 * 86_400_000;

/**
 * The user's language: an explicit choice (?lang=, from the switch on every page, remembered in a
 * cookie), else the session's, else Accept-Language, else the organization's default.
 */
export function chooseLocale(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const asked = req.query.lang;
    if (isLocale(asked)) {
      res.cookie(COOKIE, asked, { httpOnly: true, sameSite: "lax", maxAge: YEAR_MS, path: "/", secure: secureCookies(ctx.config) });
    }
    setPageLocals(req, res, req.org);
    next();
  };
}

/** The language a page for this request is in; `org` is missing when no organization answers. */
export function pageLocale(req: Request, org: Organization | undefined): Locale {
  const asked = req.query?.lang;
  const cookie = req.cookies?.[COOKIE] as string | undefined;
  return (
    (isLocale(asked) && asked) ||
    (isLocale(cookie) && cookie) ||
    (isLocale(req.session?.locale) && req.session.locale) ||
    negotiateLocale(req.get("accept-language"), supportedLocales) ||
    (isLocale(org?.defaultLocale) ? org.defaultLocale : "en")
  );
}

/**
 * What every view and the layout read (t, locale, fmt, org, the language switch). chooseLocale
 * sets it for each request; the error handler sets it itself when a request failed before that
 * (a body it could not read, a host no organization answers), with `org` undefined if there is none.
 */
export function setPageLocals(req: Request, res: Response, org: Organization | undefined): void {
  const locale = pageLocale(req, org);
  // The same address answers in different languages: caches must keep them apart.
  res.vary("Accept-Language");
  res.vary("Cookie");
  req.locale = locale;
  req.t = translator(locale);
  Object.assign(res.locals, {
    t: req.t,
    locale,
    fmt: formatters(locale, org?.timeZone ?? "UTC"),
    org,
    locales: supportedLocales.map((code) => ({ code, name: localeNames[code], href: languageHref(req, code) })),
    currentPath: req.path,
    fieldErrors: {},
    values: {},
  });
}

/**
 * The same page in another language: this path with its query kept (filters, ?next=), lang
 * replaced. After a form was posted the page is asked for again with GET, which is what a
 * person who switches language there expects; a page re-rendered at a POST-only address passes
 * `languagePath` (its GET address) to the view instead, and the layout uses that.
 */
export function languageHref(req: Pick<Request, "path" | "originalUrl">, code: Locale): string {
  const query = new URLSearchParams(req.originalUrl.split("?")[1] ?? "");
  query.delete("lang");
  query.append("lang", code);
  // "//host" or "/\host" would make the link leave the site: one leading slash only.
  const path = `/${req.path.replace(/^[/\\]+/, "")}`;
  return `${path}?${query.toString()}`;
}
