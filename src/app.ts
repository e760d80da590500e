import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Express, type Router } from "express";
import cookieParser from "cookie-parser";
import helmet from "helmet";
import ejs from "ejs";
import type { AppContext } from "./context.js";
import "./platform/http/types.js";
import { resolveOrganization } from "./platform/http/organization.js";
import { chooseLocale, languageSwitch } from "./platform/http/locale.js";
import { csrfProtection } from "./platform/http/csrf.js";
import { errorHandler, notFound } from "./platform/http/error-handler.js";
import { devMailRouter, opsRouter, type Readiness } from "./platform/http/ops-routes.js";
import { loadSession } from "./identity/sessions.js";
import { capabilityRouters } from "./routers.js";
import { staffNavLocals } from "./staff-nav.js";
import { escapeTemplateValue } from "./platform/text.js";
import { createMetrics } from "./platform/metrics.js";
import { overdueRequestsByOrganization } from "./requests/overdue-counts.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const viewsDir = path.join(root, "views");

/** Paths whose POSTs carry no session cookie to protect (bearer-token API, public file check). */
const csrfExempt = (p: string) => p.startsWith("/api/") || p === "/verify";

export interface AppOptions {
  /** More routers, mounted after the capabilities' (tests mount routes that fail in each way). */
  routers?: Router[];
}

export function buildApp(ctx: AppContext, readiness: Readiness = { ready: true }, options: AppOptions = {}): Express {
  const app = express();
  app.disable("x-powered-by");
  // Only the configured proxies may name the client (see config.ts TRUST_PROXY and the README).
  app.set("trust proxy", ctx.config.TRUST_PROXY);
  configureViews(app, ctx);
  // The layout's "Exit this page" on requester pages.
  app.locals.exitUrl = ctx.config.EXIT_URL;

  app.use(securityHeaders());
  app.use(accessLog(ctx));
  mountMetrics(app, ctx);
  app.use("/public", express.static(path.join(root, "public"), { maxAge: ctx.config.production ? "7d" : 0, index: false }));
  app.use(opsRouter(ctx, readiness));
  app.use((req, _res, next) => {
    req.ctx = ctx;
    next();
  });
  app.use(cookieParser());
  app.use("/api", express.json({ limit: "1mb", type: ["application/json", "application/*+json"] }));
  // The settings pages send every text in every offered language at once (settings/schema.ts allows
  // 5000 characters each): a form of their own size, so a long text is a field error, not a 413.
  app.use("/staff/admin/settings", express.urlencoded({ extended: false, limit: "1mb" }));
  app.use(express.urlencoded({ extended: false, limit: "64kb" }));
  app.use(resolveOrganization(ctx));
  app.use(loadSession(ctx));
  app.use(chooseLocale(ctx));
  app.use(csrfProtection(ctx, { exempt: csrfExempt }));
  app.use(languageSwitch(ctx));
  app.use(staffNavLocals());

  if (!ctx.config.production) app.use(devMailRouter(ctx));
  for (const router of [...capabilityRouters(ctx), ...(options.routers ?? [])]) app.use(router as Router);

  app.use(notFound());
  app.use(errorHandler(ctx));
  return app;
}

/**
 * Prometheus metrics when METRICS_TOKEN is set (otherwise /metrics is an ordinary 404). Mounted
 * before cookies, organization and session, so a scrape does none of that work and needs no host.
 */
function mountMetrics(app: Express, ctx: AppContext): void {
  if (!ctx.config.METRICS_TOKEN) return;
  const metrics = createMetrics(ctx, ctx.config.METRICS_TOKEN, { overdueRequests: overdueRequestsByOrganization });
  app.use(metrics.recordDurations);
  app.use(metrics.router);
}

/** A strict CSP: our own scripts and styles only, no inline code, no third-party origins. */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
  });
}

/** Method, route, status and time only: no query strings, bodies or client addresses. */
function accessLog(ctx: AppContext): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      if (req.path === "/healthz") return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.logger.info({ method: req.method, route: req.route?.path ?? "unmatched", status: res.statusCode, ms: Math.round(ms) }, "http");
    });
    next();
  };
}

/**
 * EJS pages wrapped in views/layout.ejs unless a page sets layout: false. Every `<%= %>` escapes
 * with escapeHtml, which also neutralizes control and bidi override characters (platform/text.ts):
 * chat text reaches pages through many views, and this is the one place they all pass.
 */
function configureViews(app: Express, ctx: AppContext): void {
  app.set("views", viewsDir);
  app.set("view engine", "ejs");
  // Express turns its view cache on only when process.env.NODE_ENV says production; follow the
  // validated config instead, or every render looks the template up on disk again (bench:http).
  app.set("view cache", ctx.config.production);
  const options = { cache: ctx.config.production, escape: escapeTemplateValue };
  app.engine("ejs", (file: string, data: object, done: (err: unknown, html?: string) => void) => {
    const locals = data as Record<string, unknown>;
    ejs.renderFile(file, locals, options, (err, body) => {
      if (err || locals.layout === false) return done(err, body);
      ejs.renderFile(path.join(viewsDir, "layout.ejs"), { ...locals, body }, options, done);
    });
  });
}
