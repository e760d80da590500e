import type { Request, RequestHandler, Response } from "express";
import type { AppContext } from "../../context.js";
import { characterCount, formatters, isLocale, localeNames, negotiateLocale, supportedLocales, translator, type Locale } from "../i18n.js";
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
    characterCount: characterCount(req.t, locale),
    org,
    locales: supportedLocales.map((code) => ({ code, name: localeNames[code], href: languageHref(req, code) })),
    currentPath: req.path,
    // Where the language switch brings the person back: this page, its query kept, lang dropped.
    languageReturn: returnAddress(req),
    fieldErrors: {},
    values: {},
  });
}

/** This page's address with its query kept and `lang` dropped. */
function returnAddress(req: Pick<Request, "path" | "originalUrl">): string {
  const query = new URLSearchParams(req.originalUrl.split("?")[1] ?? "");
  query.delete("lang");
  // "//host" or "/\host" would make the address leave the site: one leading slash only.
  const path = `/${req.path.replace(/^[/\\]+/, "")}`;
  return query.size > 0 ? `${path}?${query.toString()}` : path;
}

/**
 * The same page in another language: this path with its query kept (filters, ?next=), lang
 * replaced. After a form was posted the page is asked for again with GET, which is what a
 * person who switches language there expects; a page re-rendered at a POST-only address passes
 * `languagePath` (its GET address) to the view instead, and the layout uses that.
 */
export function languageHref(req: Pick<Request, "path" | "originalUrl">, code: Locale): string {
  const back = returnAddress(req);
  return `${back}${back.includes("?") ? "&" : "?"}lang=${code}`;
}

/** Fields a language switch never carries back into a page: passwords, codes, tokens, our own. */
const SECRET_FIELD = /pass|code|otp|token|secret|recovery|^_/i;

/**
 * The language switch in the header is a small form: a POST of `_lang` to the page's own address
 * (its GET address when it was shown at a POST-only one). On a page with a form (id="page-form")
 * the switch's buttons submit that form (the HTML form attribute, so no JavaScript is needed), so
 * what was typed comes along. Such a POST never reaches the page's own handler: it is answered at
 * once as a GET of that address in the new language, with the typed values in place of the stored
 * ones (never secrets). Nothing typed is stored or put in an address on the way; cookies scoped
 * to the page's path (a pending sign-in code) come along because the address is the page's; and
 * a page that has no GET answer sends the person to the page above it (error-handler notFound).
 */
export function languageSwitch(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const lang = (req.body as Record<string, unknown> | undefined)?._lang;
    if (req.method !== "POST" || lang === undefined || !req.is("application/x-www-form-urlencoded")) return next();
    const target = safeReturnPath(req.originalUrl);
    if (!isLocale(lang)) return res.redirect(303, target);
    const carried = carriedValues(req.body);
    const [pathname = "/", search = ""] = target.split("?");
    const query = new URLSearchParams(search);
    query.delete("lang");
    query.append("lang", lang);
    const url = `${pathname}?${query.toString()}`;
    req.method = "GET";
    req.url = url;
    req.originalUrl = url;
    req.body = {};
    res.cookie(COOKIE, lang, { httpOnly: true, sameSite: "lax", maxAge: YEAR_MS, path: "/", secure: secureCookies(ctx.config) });
    setPageLocals(req, res, req.org);
    res.locals.languageSwitched = true;
    keepTypedValues(res, carried);
    next();
  };
}

/** A path on this site ("//host" or "/\host" would leave it), else the start page. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== "string" || !/^\/(?![/\\])/.test(value) || /[\r\n\\]/.test(value) || value.length > 2000) return "/";
  return value;
}

function carriedValues(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object") return {};
  return Object.fromEntries(Object.entries(body).filter(([name, value]) => !SECRET_FIELD.test(name) && (typeof value === "string" || Array.isArray(value))));
}

/** Every page this answer renders shows the typed values over the ones its route passes. */
function keepTypedValues(res: Response, carried: Record<string, unknown>): void {
  res.locals.values = carried;
  type Done = (err: Error, html: string) => void;
  const render = res.render.bind(res) as (view: string, options?: object, callback?: Done) => void;
  res.render = ((view: string, options?: object, callback?: Done) => {
    if (typeof options === "function") return render(view, { values: carried }, options as Done);
    const given = (options ?? {}) as Record<string, unknown>;
    return render(view, { ...given, values: { ...((given.values as object | undefined) ?? {}), ...carried } }, callback);
  }) as Response["render"];
}
