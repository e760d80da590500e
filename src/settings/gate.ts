import { Router, type Request } from "express";
import type { AppContext } from "../context.js";
import { isOrganizationReady } from "./readiness.js";

/**
 * The requester's pages: the start page, sign-in and password reset, requests and "my data".
 * Staff pages, the API, /verify, /how-to-complain, sign-out and the health checks stay open.
 */
export function isRequesterPage(path: string): boolean {
  return path === "/" || /^\/(sign-in|password-reset|requests|my-data)(\/|$)/.test(path);
}

/**
 * Until the organization's checklist is complete, its requester pages answer a neutral "not
 * open yet" page (503: the service exists but is not available yet), in the visitor's language.
 * Mounted before every capability router.
 */
export function readinessGate(ctx: AppContext): Router {
  const router = Router();
  router.use(async (req: Request, res, next) => {
    if (!isRequesterPage(req.path) || (await isOrganizationReady(ctx.db, req.org))) return next();
    res.status(503).set({ "Retry-After": "3600", "Cache-Control": "no-store" });
    // No sign-in link in the header either: it would lead to this same page.
    res.render("settings/not-open", { title: req.t("settings.notOpen.title"), notOpen: true });
  });
  return router;
}
