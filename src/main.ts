import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { count } from "drizzle-orm";
import { loadConfig } from "./config.js";
import { createLogger } from "./platform/logger.js";
import { createContext, exitStartupFailed } from "./bootstrap.js";
import { systemClock } from "./context.js";
import { useOwnerOnlyFileModes } from "./db/data-dir.js";
import { buildApp } from "./app.js";
import { GRACE_MS, JobRunner } from "./platform/jobs.js";
import { releaseAbandonedOutbox } from "./platform/outbox.js";
import { deliverOutbox, jobDefinitions } from "./jobs.js";
import { refuseDemoDataInProduction, seedDemoIfEmpty } from "./seed/demo.js";
import { organizations } from "./db/schema/index.js";
import { Poller } from "./platform/poller.js";
import { rotateMasterKey } from "./platform/key-rotation.js";
import { wrappedColumns } from "./wrapped-keys.js";

/**
 * Milliseconds each start-up phase took, the first ("load": Node itself and every module this
 * file imports) counted from the process's start.
 */
function startupPhases() {
  const phases: Record<string, number> = {};
  let last = 0;
  return {
    phases,
    mark(phase: string): void {
      const now = performance.now();
      phases[phase] = Math.round(now - last);
      last = now;
    },
  };
}

async function main(): Promise<void> {
  const startup = startupPhases();
  startup.mark("load");
  useOwnerOnlyFileModes();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const started = Date.now();
  const { ctx, database } = await createContext(config, logger, systemClock, "portal", startup.mark);
  // loadConfig refuses SEED_DEMO=auto in production, the seed refuses production itself, and a
  // production start on data a development run seeded stops here.
  await refuseDemoDataInProduction(ctx);
  const demo = config.embedded && config.SEED_DEMO === "auto" && !config.production ? await seedDemoIfEmpty(ctx) : undefined;
  const [orgCount] = await ctx.db.select({ n: count() }).from(organizations);
  const setUp = Number(orgCount?.n ?? 0) > 0;
  startup.mark("seed");
  if (!setUp) logger.warn("no organization yet: run npm run setup");

  const readiness = { ready: false };
  const app = buildApp(ctx, readiness);
  // Embedded, this process is the database's only user: what is left running was a dead process's.
  const soleInstance = ctx.engine === "pglite";
  const runner = new JobRunner(ctx, jobDefinitions(), { soleInstance });
  const outbox = new Poller((signal) => deliverOutbox(ctx, signal), 2000, logger, "outbox");
  if (config.JOBS === "on") {
    if (soleInstance) await releaseAbandonedOutbox(ctx);
    runner.start();
    outbox.start();
  }

  // Embedded, the portal holds DATA_DIR, so `npm run keys:rotate` cannot run beside it: during a
  // rotation the portal rewraps in the background itself. On a server the operator runs the
  // command once every instance holds both keys (README), never an instance on its own.
  if (config.MASTER_KEY_PREVIOUS && ctx.engine === "pglite") {
    rotateMasterKey(ctx, wrappedColumns()).then(
      (r) => logger.info({ keyId: r.keyId, rewrapped: r.rewrapped, remaining: r.remaining }, "master key rotation pass finished"),
      (err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, "master key rotation pass failed"),
    );
  }

  const server: Server = app.listen(config.PORT, () => {
    readiness.ready = true;
    // PORT=0 asks the system for a free port: log the one it gave.
    const port = (server.address() as AddressInfo).port;
    startup.mark("listen");
    logger.debug({ phases: startup.phases, seeded: demo !== undefined }, "start-up phases (ms)");
    logger.info({ port, engine: ctx.engine, ms: Date.now() - started }, "listening");
    printWelcome(config.BASE_URL, demo, setUp, config.embedded);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    readiness.ready = false;
    logger.info({ signal }, "shutting down");
    // Bounded: whatever still hangs after the grace periods below is cut off.
    setTimeout(() => {
      logger.warn("shutdown took too long; exiting");
      process.exit(1);
    }, 3 * GRACE_MS).unref();
    // Stop accepting connections; in-flight requests get the grace period to finish. A job still
    // running after it is released to other instances; a message being sent finishes.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const grace = setTimeout(() => server.closeAllConnections(), GRACE_MS);
    await Promise.all([closed.finally(() => clearTimeout(grace)), runner.stop(), outbox.stop(GRACE_MS)]);
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
