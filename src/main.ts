import type { Server } from "node:http";
import { loadConfig } from "./config.js";
import { createLogger } from "./platform/logger.js";
import { createContext, exitStartupFailed } from "./bootstrap.js";
import { systemClock } from "./context.js";
import { useOwnerOnlyFileModes } from "./db/data-dir.js";
import { buildApp } from "./app.js";
import { JobRunner } from "./platform/jobs.js";
import { deliverOutbox, jobDefinitions } from "./jobs.js";
import { seedDemoIfEmpty } from "./db/seed/demo.js";
import { Poller } from "./platform/poller.js";

async function main(): Promise<void> {
  useOwnerOnlyFileModes();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const started = Date.now();
  const { ctx, database } = await createContext(config, logger, systemClock, "portal");
  const demo = config.embedded && config.SEED_DEMO === "auto" ? await seedDemoIfEmpty(ctx) : undefined;

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
    logger.info({ port: config.PORT, engine: ctx.engine, ms: Date.now() - started }, "listening");
    printWelcome(config.BASE_URL, demo);
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

function printWelcome(baseUrl: string, demo: { lines: string[] } | undefined): void {
  const out = [`\nRightsdesk is running at ${baseUrl}`];
  if (demo) out.push("", "Demo sign-ins (fictional data):", ...demo.lines.map((l) => `  ${l}`));
  process.stdout.write(`${out.join("\n")}\n\n`);
}

main().catch(exitStartupFailed);
