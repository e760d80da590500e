import type { Request, RequestHandler, Response } from "express";
import { asc } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { organizations } from "../../db/schema/index.js";
import { negotiateLocale, supportedLocales, translator } from "../i18n.js";
import { organizationsGeneration } from "../organizations.js";
import { wantsProblemJson } from "./error-handler.js";
import type { Organization } from "./types.js";

const CACHE_MS = 10_000;

/**
 * Finds the organization a request is for: by host name, else the first organization (the
 * single-tenant and demo case). Staff sessions are additionally bound to their own organization.
 * The list is cached briefly; a change made in this process (organizationsChanged) is seen at once,
 * one made by another instance or by `npm run setup` within CACHE_MS.
 */
export function resolveOrganization(ctx: AppContext): RequestHandler {
  let cache: { at: number; generation: number; orgs: Organization[] } | undefined;
  const load = async () => {
    const generation = organizationsGeneration(ctx);
    if (!cache || cache.generation !== generation || Date.now() - cache.at > CACHE_MS) {
      cache = { at: Date.now(), generation, orgs: await ctx.db.select().from(organizations).orderBy(asc(organizations.createdAt)) };
    }
    return cache.orgs;
  };
  return async (req, res, next) => {
    const orgs = await load();
    const org = orgs.find((o) => o.hostnames.includes(req.hostname)) ?? orgs[0];
    if (!org) return notSetUp(req, res);
    req.org = org;
    next();
  };
}

/**
 * A fresh installation: every page says so and how the operator sets it up (no secrets, nothing
 * about the server). Standalone, since the layout is the organization's.
 */
function notSetUp(req: Request, res: Response): void {
  const locale = negotiateLocale(req.get("accept-language"), supportedLocales) ?? "en";
  const t = translator(locale);
  res.status(503).set({ "Retry-After": "300", "Cache-Control": "no-store" });
  if (wantsProblemJson(req)) {
    res.type("application/problem+json").json({ type: "https://rightsdesk.invalid/problems/not_set_up", title: t("platform.errors.not_set_up.title"), status: 503 });
    return;
  }
  res.render("platform/not-set-up", { layout: false, t, locale });
}
