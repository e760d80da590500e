import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { count } from "drizzle-orm";
import { loadConfig } from "./config.js";
import { createLogger } from "./platform/logger.js";
import { createContext, exitStartupFailed } from "./bootstrap.js";
import { systemClock } from "./context.js";
import { useOwnerOnlyFileModes } from "./db/data-dir.js";
import { buildApp } from "./app.js";
import { JobRunner } from "./platform/jobs.js";
import { deliverOutbox, jobDefinitions } from "./jobs.js";
import { seedDemoIfEmpty } from "./db/seed/demo.js";
import { organizations } from "./db/schema/index.js";
import { Poller } from "./platform/poller.js";

async function main(): Promise<void> {
  useOwnerOnlyFileModes();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const started = Date.now();
  const { ctx, database } = await createContext(config, logger, systemClock, "portal");
  // loadConfig refuses SEED_DEMO=auto in production, and the seed refuses production itself.
  const demo = config.embedded && config.SEED_DEMO === "auto" && !config.production ? await seedDemoIfEmpty(ctx) : undefined;
  const [orgCount] = await ctx.db.select({ n: count() }).from(organizations);
  const setUp = Number(orgCount?.n ?? 0) > 0;
  if (!setUp) logger.warn("no organization yet: run npm run setup");

  const readiness = { ready: false };
  const app = buildApp(ctx, readiness);
  const runner = new JobRunner(ctx, jobDefinitions());
  const outbox = new Poller(() => deliverOutbox(ctx), 2000, logger);
  if (config.JOBS === "on") {
    runner.start();
    outbox.start();
  }

  const server: Server = app.listen(config.PORT, () => {
    readiness.ready = true;
    // PORT=0 asks the system for a free port: log the one it gave.
    const port = (server.address() as AddressInfo).port;
    logger.info({ port, engine: ctx.engine, ms: Date.now() - started }, "listening");
    printWelcome(config.BASE_URL, demo, setUp, config.embedded);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    readiness.ready = false;
    logger.info({ signal }, "shutting down");
    // Stop accepting connections; in-flight requests finish. Jobs finish or their lease is released.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([runner.stop(), outbox.stop()]);
    ctx.mail.close();
    await database.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

function printWelcome(baseUrl: string, demo: { lines: string[] } | undefined, setUp: boolean, embedded: boolean): void {
  const out = [`\nRightsdesk is running at ${baseUrl}`];
  if (demo) out.push("", "Demo sign-ins (fictional data):", ...demo.lines.map((l) => `  ${l}`));
  if (!setUp) {
    out.push("", "No organization is set up yet. Create one and its first admin with: npm run setup");
    // The embedded database has a single owner (the DATA_DIR lock): the set-up cannot open it while the portal runs.
    if (embedded) out.push("(With the embedded database, stop the portal first, run the set-up, then start it again.)");
  }
  process.stdout.write(`${out.join("\n")}\n\n`);
}

main().catch(exitStartupFailed);
