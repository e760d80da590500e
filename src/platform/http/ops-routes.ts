import { Router } from "express";
import { sql } from "drizzle-orm";
import type { AppContext } from "../../context.js";
import { listMailbox, readMailboxFile } from "../../mail/transport.js";
import { NotFoundError } from "../errors.js";

export interface Readiness {
  ready: boolean;
}

/** /healthz: the database answers. /readyz: started and not shutting down. */
export function opsRouter(ctx: AppContext, readiness: Readiness): Router {
  const router = Router();
  router.get("/healthz", async (_req, res) => {
    try {
      await ctx.db.execute(sql`select 1`);
      res.json({ status: "ok" });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  });
  router.get("/readyz", (_req, res) => {
    res.status(readiness.ready ? 200 : 503).json({ status: readiness.ready ? "ready" : "not_ready" });
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
