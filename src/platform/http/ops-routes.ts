import { setTimeout as sleep } from "node:timers/promises";
import { Router } from "express";
import { sql } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { listMailbox, readMailboxFile } from "../mail-transport.js";
import { NotFoundError } from "../errors.js";

export interface Readiness {
  ready: boolean;
}

/** How long /healthz and /readyz wait for the database before calling it down. */
export const DATABASE_CHECK_MS = 2_000;

/** Whether the database answers `select 1` within DATABASE_CHECK_MS. */
export async function databaseAnswers(ctx: AppContext): Promise<boolean> {
  const timeout = new AbortController();
  const timedOut = sleep(DATABASE_CHECK_MS, false, { signal: timeout.signal }).catch(() => false);
  try {
    return await Promise.race([ctx.db.execute(sql`select 1`).then(() => true, () => false), timedOut]);
  } finally {
    timeout.abort();
  }
}

/**
 * /healthz: the process runs and its database answers. /readyz: started, not shutting down, and
 * the database answers (a load balancer sends no traffic to an instance that can serve none).
 */
export function opsRouter(ctx: AppContext, readiness: Readiness): Router {
  const router = Router();
  router.get("/healthz", async (_req, res) => {
    const database = await databaseAnswers(ctx);
    res.set("Cache-Control", "no-store");
    res.status(database ? 200 : 503).json({ status: database ? "ok" : "unavailable", database: database ? "up" : "down" });
  });
  router.get("/readyz", async (_req, res) => {
    const database = readiness.ready && (await databaseAnswers(ctx));
    const status = !readiness.ready ? "not_ready" : database ? "ready" : "database_unavailable";
    res.set("Cache-Control", "no-store");
    res.status(status === "ready" ? 200 : 503).json({ status });
  });
  return router;
}

/** The file mailbox, for development and demos only (never mounted in production). */
export function devMailRouter(ctx: AppContext): Router {
  const router = Router();
  router.get("/dev/mail", (req, res) => {
    res.render("platform/dev-mail", { title: req.t("platform.devMail.title"), mails: listMailbox(ctx.config.dataDir) });
  });
  router.get("/dev/mail/:file", (req, res) => {
    const raw = readMailboxFile(ctx.config.dataDir, req.params.file);
    if (raw === undefined) throw new NotFoundError("mail");
    res.type("text/plain; charset=utf-8").send(raw);
  });
  return router;
}
