import type { RequestHandler } from "express";
import { asc } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { isDatabaseUnavailable } from "../../db/client.js";
import { organizations } from "../../db/schema/index.js";
import { AppError } from "../errors.js";
import type { Organization } from "./types.js";

const CACHE_MS = 10_000;

/**
 * Finds the organization a request is for: by host name, else the first organization (the
 * single-tenant and demo case). Staff sessions are additionally bound to their own organization.
 */
export function resolveOrganization(ctx: AppContext): RequestHandler {
  let cache: { at: number; orgs: Organization[] } | undefined;
  const load = async () => {
    if (!cache || Date.now() - cache.at > CACHE_MS) {
      try {
        cache = { at: Date.now(), orgs: await ctx.db.select().from(organizations).orderBy(asc(organizations.createdAt)) };
      } catch (err) {
        // While the database is away the last list still names the organization, so the
        // "temporarily unavailable" page comes in its language and under its name.
        if (!cache || !isDatabaseUnavailable(err)) throw err;
      }
    }
    return cache.orgs;
  };
  return async (req, _res, next) => {
    const orgs = await load();
    const org = orgs.find((o) => o.hostnames.includes(req.hostname)) ?? orgs[0];
    if (!org) return next(new AppError(503, "not_set_up"));
    req.org = org;
    next();
  };
}
