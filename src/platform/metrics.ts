import crypto from "node:crypto";
import { Router, type Request, type RequestHandler, type Response } from "express";
import { inArray, sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AppContext } from "../context.js";
import { jobs, outbox } from "../db/schema/index.js";
import { negotiateLocale, supportedLocales, translator } from "./i18n.js";

/** Figures a capability above platform computes for the scrape (filled in by app.ts). */
export interface MetricsSources {
  /** Open requests past their due date, per organization slug. */
  overdueRequests(ctx: AppContext): Promise<{ org: string; count: number }[]>;
}

export interface Metrics {
  /** Times every response by the route pattern that answered it. */
  recordDurations: RequestHandler;
  /** GET /metrics behind `Authorization: Bearer <METRICS_TOKEN>`. */
  router: Router;
  registry: Registry;
}

/**
 * The process's default metrics (CPU, memory, event loop, GC) belong to the process, not to one
 * app: registered once, however many apps a process builds (tests build many).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The label for a request: the route pattern that matched (`/requests/:reference`), never the
 * URL itself, so no reference, id or token reaches the time series and their number stays bounded.
 */
export function routeLabel(req: Request): string {
  const pattern: unknown = req.route?.path;
  if (typeof pattern === "string") return `${req.baseUrl ?? ""}${pattern}`;
  if (req.originalUrl.startsWith("/public/")) return "/public/*";
  return "unmatched";
}

/** Compares digests, so the time taken says nothing about how much of the token was right. */
function tokenMatches(header: string | undefined, expected: string): boolean {
  const given = /^Bearer (\S+)$/.exec(header ?? "")?.[1] ?? "";
  const digest = (value: string) => crypto.createHash("sha256").update(value).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

export function createMetrics(ctx: AppContext, token: string, sources: MetricsSources): Metrics {
  const registry = new Registry();
  const durations = new Histogram({
    name: "rightsdesk_http_request_duration_seconds",
    help: "HTTP request durations by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const database = databaseGauges(registry);
  const scrapeFailures = new Counter({ name: "rightsdesk_metrics_scrape_failures_total", help: "Scrapes whose database figures could not be read", registers: [registry] });
  const merged = Registry.merge([processMetrics(), registry]);

  const recordDurations: RequestHandler = (req, res, next) => {
    const stop = durations.startTimer();
    res.on("finish", () => stop({ method: req.method, route: routeLabel(req), status: res.statusCode }));
    next();
  };

  const router = Router();
  router.get("/metrics", async (req, res) => {
    res.set("Cache-Control", "no-store");
    if (!tokenMatches(req.get("authorization"), token)) return refuse(req, res);
    try {
      await database.refresh(ctx, sources);
      database.up.set(1);
    } catch {
      // The figures are left out rather than stale; the process metrics still answer.
      database.reset();
      database.up.set(0);
      scrapeFailures.inc();
    }
    res.type(merged.contentType).send(await merged.metrics());
  });
  return { recordDurations, router, registry: merged };
}

/** 401 as problem+json in the caller's language (a scraper, or a person trying the URL). */
function refuse(req: Request, res: Response): void {
  const t = translator(negotiateLocale(req.get("accept-language"), supportedLocales) ?? "en");
  res.status(401).set("WWW-Authenticate", 'Bearer realm="metrics"').type("application/problem+json").json({
    type: "https://rightsdesk.invalid/problems/unauthenticated",
    title: t("platform.errors.unauthenticated.title"),
    status: 401,
  });
}

/**
 * Gauges read from the database at each scrape. They describe the shared database, so every
 * instance reports the same figures: aggregate them with max(), not sum().
 */
function databaseGauges(registry: Registry) {
  const registers = [registry];
  const up = new Gauge({ name: "rightsdesk_database_up", help: "1 when the last scrape could read the database", registers });
  const queueDepth = new Gauge({ name: "rightsdesk_job_queue_depth", help: "Jobs due and waiting to be claimed, by job name", labelNames: ["name"] as const, registers });
  const queueAge = new Gauge({ name: "rightsdesk_job_queue_oldest_age_seconds", help: "How long the longest-waiting due job has waited, by job name", labelNames: ["name"] as const, registers });
  const running = new Gauge({ name: "rightsdesk_jobs_running", help: "Jobs claimed by an instance and running, by job name", labelNames: ["name"] as const, registers });
  const jobsFailed = new Gauge({ name: "rightsdesk_jobs_failed", help: "Jobs that failed for good (attempts exhausted), by job name", labelNames: ["name"] as const, registers });
  const backlog = new Gauge({ name: "rightsdesk_outbox_backlog", help: "Outbox messages not yet delivered (pending or sending), by kind", labelNames: ["kind"] as const, registers });
  const backlogAge = new Gauge({ name: "rightsdesk_outbox_oldest_age_seconds", help: "Age of the oldest undelivered outbox message, by kind", labelNames: ["kind"] as const, registers });
  const retrying = new Gauge({ name: "rightsdesk_outbox_retrying", help: "Undelivered outbox messages whose last attempt failed, by kind", labelNames: ["kind"] as const, registers });
  const outboxFailed = new Gauge({ name: "rightsdesk_outbox_failed", help: "Outbox messages given up on, by kind", labelNames: ["kind"] as const, registers });
  const overdue = new Gauge({ name: "rightsdesk_requests_overdue", help: "Open requests past their due date, by organization slug", labelNames: ["org"] as const, registers });
  const all = [queueDepth, queueAge, running, jobsFailed, backlog, backlogAge, retrying, outboxFailed, overdue];

  async function refresh(ctx: AppContext, sources: MetricsSources): Promise<void> {
    const now = ctx.clock.now();
    const ageSeconds = (oldest: Date | string | null) => (oldest ? Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000) : 0);
    const [jobRows, outboxRows, overdueRows] = await Promise.all([
      ctx.db
        .select({
          name: jobs.name,
          due: sql<number>`count(*) filter (where ${jobs.status} = 'queued' and ${jobs.runAt} <= ${now})`.mapWith(Number),
          oldestDue: sql<Date | null>`min(${jobs.runAt}) filter (where ${jobs.status} = 'queued' and ${jobs.runAt} <= ${now})`,
          running: sql<number>`count(*) filter (where ${jobs.status} = 'running')`.mapWith(Number),
          failed: sql<number>`count(*) filter (where ${jobs.status} = 'failed')`.mapWith(Number),
        })
        .from(jobs)
        .where(inArray(jobs.status, ["queued", "running", "failed"]))
        .groupBy(jobs.name),
      ctx.db
        .select({
          kind: outbox.kind,
          backlog: sql<number>`count(*) filter (where ${outbox.status} in ('pending', 'sending'))`.mapWith(Number),
          oldest: sql<Date | null>`min(${outbox.createdAt}) filter (where ${outbox.status} in ('pending', 'sending'))`,
          retrying: sql<number>`count(*) filter (where ${outbox.status} in ('pending', 'sending') and ${outbox.lastError} is not null)`.mapWith(Number),
          failed: sql<number>`count(*) filter (where ${outbox.status} = 'failed')`.mapWith(Number),
        })
        .from(outbox)
        .where(inArray(outbox.status, ["pending", "sending", "failed"]))
        .groupBy(outbox.kind),
      sources.overdueRequests(ctx),
    ]);
    // Reset first: a job name or organization that has nothing left drops to no series, not a stale one.
    reset();
    for (const r of jobRows) {
      queueDepth.set({ name: r.name }, r.due);
      queueAge.set({ name: r.name }, ageSeconds(r.oldestDue));
      running.set({ name: r.name }, r.running);
      jobsFailed.set({ name: r.name }, r.failed);
    }
    for (const r of outboxRows) {
      backlog.set({ kind: r.kind }, r.backlog);
      backlogAge.set({ kind: r.kind }, ageSeconds(r.oldest));
      retrying.set({ kind: r.kind }, r.retrying);
      outboxFailed.set({ kind: r.kind }, r.failed);
    }
    for (const r of overdueRows) overdue.set({ org: r.org }, r.count);
  }

  function reset(): void {
    for (const gauge of all) gauge.reset();
  }

  return { up, refresh, reset };
}
