import { Router, type Request } from "express";
import type { AppContext } from "../context.js";
import { isOrganizationReady } from "./readiness.js";
import type { Organization } from "../platform/http/types.js";

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
  const ready = readyOrganizations(ctx);
  router.use(async (req: Request, res, next) => {
    if (!isRequesterPage(req.path) || (await ready(req.org))) return next();
    res.status(503).set({ "Retry-After": "3600", "Cache-Control": "no-store" });
    // No sign-in link in the header either: it would lead to this same page.
    res.render("settings/not-open", { title: req.t("settings.notOpen.title"), notOpen: true });
  });
  return router;
}

/** How long an organization found ready is taken as ready without asking the database again. */
const READY_CACHE_MS = 10_000;

/**
 * isOrganizationReady without a query on every requester page (bench:http: it was one of the two
 * queries of the home page). Only "ready" is remembered, per organization row as
 * resolveOrganization loaded it: a settings change loads new rows, so it is seen at once; only
 * removing the chats' retention rule reaches the pages up to READY_CACHE_MS later (building a
 * package checks readiness itself, uncached).
 */
function readyOrganizations(ctx: AppContext): (org: Organization) => Promise<boolean> {
  const seen = new WeakMap<Organization, number>();
  return async (org) => {
    const at = seen.get(org);
    if (at !== undefined && Date.now() - at < READY_CACHE_MS) return true;
    const ready = await isOrganizationReady(ctx.db, org);
    if (ready) seen.set(org, Date.now());
    else seen.delete(org);
    return ready;
  };
}
