import type { Request, RequestHandler } from "express";
import { rateLimit, type Options, type Store, type IncrementResponse } from "express-rate-limit";
import { eq, sql } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { rateLimits } from "../../db/schema/index.js";
import { RateLimitedError } from "../errors.js";

/** express-rate-limit counters in the database: they hold across restarts and instances. */
export class DbRateLimitStore implements Store {
  private windowMs = 60_000;
  localKeys = false;

  constructor(
    private readonly ctx: AppContext,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const now = this.ctx.clock.now();
    const reset = new Date(now.getTime() + this.windowMs);
    const fullKey = `${this.prefix}:${key}`;
    const [row] = await this.ctx.db
      .insert(rateLimits)
      .values({ key: fullKey, hits: 1, resetAt: reset })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          hits: sql`case when ${rateLimits.resetAt} <= ${now} then 1 else ${rateLimits.hits} + 1 end`,
          resetAt: sql`case when ${rateLimits.resetAt} <= ${now} then ${reset} else ${rateLimits.resetAt} end`,
        },
      })
      .returning({ hits: rateLimits.hits, resetAt: rateLimits.resetAt });
    return { totalHits: row?.hits ?? 1, resetTime: row?.resetAt ?? reset };
  }

  async decrement(key: string): Promise<void> {
    await this.ctx.db
      .update(rateLimits)
      .set({ hits: sql`greatest(${rateLimits.hits} - 1, 0)` })
      .where(eq(rateLimits.key, `${this.prefix}:${key}`));
  }

  async resetKey(key: string): Promise<void> {
    await this.ctx.db.delete(rateLimits).where(eq(rateLimits.key, `${this.prefix}:${key}`));
  }
}

export interface LimitSpec {
  name: string;
  windowMs: number;
  limit: number;
  /** What is counted: the client IP by default; an address or code hash for per-identifier limits. */
  key?: (req: Request) => string | undefined;
}

/**
 * A limiter that throws RateLimitedError, so the error middleware answers in the user's language
 * with the time to wait. Requests with no identifier (key returns undefined) are not counted.
 */
export function limiter(ctx: AppContext, spec: LimitSpec): RequestHandler {
  return rateLimit({
    windowMs: spec.windowMs,
    limit: spec.limit,
    store: new DbRateLimitStore(ctx, spec.name),
    standardHeaders: "draft-7",
    legacyHeaders: false,
    skip: (req) => spec.key !== undefined && !spec.key(req),
    keyGenerator: (req) => (spec.key ? spec.key(req) : undefined) ?? clientIp(req),
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - ctx.clock.now().getTime()) / 1000)) : 60;
      next(new RateLimitedError(seconds));
    },
  });
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? "unknown";
}
