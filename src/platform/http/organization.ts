import type { RequestHandler } from "express";
import { asc } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { isDatabaseUnavailable } from "../../db/client.js";
import { organizations } from "../../db/schema/index.js";
import { AppError } from "../errors.js";
import { organizationsGeneration } from "../organizations.js";
import type { Organization } from "./types.js";

const CACHE_MS = 10_000;

/**
 * Finds the organization a request is for: the one whose host names include the request's host.
 * With a single organization (the single-tenant and demo case) that one answers every host, so
 * `localhost` and an address without DNS work. With several, a host none of them claims is a 404
 * that names no organization: showing the first one's portal there would let a requester give
 * their data to the wrong controller. The chat platform's API (/api/) is bound to its bearer
 * token's organization, never to the host; when the host is unknown its requests go on under the
 * first organization, which then only provides the default language of the problem details.
 * Staff sessions are additionally bound to their own organization. The list is cached briefly: a
 * change made in this process (organizationsChanged) is seen at once, one made by another
 * instance or by `npm run setup` within CACHE_MS. With no organization at all, every page says
 * how the operator sets one up (platform.errors.not_set_up).
 */
export function resolveOrganization(ctx: AppContext): RequestHandler {
  let cache: { at: number; generation: number; orgs: Organization[] } | undefined;
  const load = async () => {
    const generation = organizationsGeneration(ctx);
    if (!cache || cache.generation !== generation || Date.now() - cache.at > CACHE_MS) {
      try {
        cache = { at: Date.now(), generation, orgs: await ctx.db.select().from(organizations).orderBy(asc(organizations.createdAt)) };
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
    const org = orgs.find((o) => o.hostnames.includes(req.hostname)) ?? (orgs.length === 1 || req.path.startsWith("/api/") ? orgs[0] : undefined);
    if (orgs.length === 0) return next(new AppError(503, "not_set_up"));
    if (!org) return next(new AppError(404, "unknown_host"));
    req.org = org;
    next();
  };
}
