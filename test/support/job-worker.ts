/**
 * A job runner in a process of its own, for the crash tests (test/platform/job-crash.test.ts). It
 * opens the database as the portal does (createContext: DATABASE_URL, else PGlite in DATA_DIR),
 * optionally queues the crash job (WORKER_ENQUEUE=1), and runs it (WORKER_MODE block | finish,
 * WORKER_LOG the file the job writes). SIGTERM stops it gracefully.
 */
import { loadConfig } from "../../src/config.js";
import { createContext } from "../../src/bootstrap.js";
import { createLogger } from "../../src/platform/logger.js";
import { JobRunner, enqueueJob } from "../../src/platform/jobs.js";
import { CRASH_JOB, crashJobDefinition } from "./crash-job.js";

const log = process.env.WORKER_LOG;
const mode = process.env.WORKER_MODE === "block" ? "block" : "finish";
if (!log) throw new Error("WORKER_LOG is required");

const config = loadConfig({ ...process.env, SEED_DEMO: "never" });
const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL));
if (process.env.WORKER_ENQUEUE === "1") await enqueueJob(ctx.db, CRASH_JOB, {}, { uniqueKey: "crash-test" });
const runner = new JobRunner(ctx, [crashJobDefinition(log, mode)], { pollMs: 200, soleInstance: ctx.engine === "pglite" });
runner.start();
process.stdout.write("worker ready\n");

process.on("SIGTERM", () => {
  void (async () => {
    await runner.stop();
    await database.close();
    process.exit(0);
  })();
});
