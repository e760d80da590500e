/**
 * The real portal for browser tests: buildApp on an in-memory PGlite, the file mailbox under a
 * temporary DATA_DIR, and the job runner and outbox poller running as in src/main.ts (so codes
 * are mailed and exports are built), listening on a random port.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { pino } from "pino";
import { loadConfig } from "../../../src/config.js";
import { systemClock, type AppContext } from "../../../src/context.js";
import { openPglite, type Database } from "../../../src/db/client.js";
import { createKeyRing } from "../../../src/platform/crypto.js";
import { createMailTransport } from "../../../src/platform/mail-transport.js";
import { buildApp } from "../../../src/app.js";
import { JobRunner } from "../../../src/platform/jobs.js";
import { Poller } from "../../../src/platform/poller.js";
import { deliverOutbox, jobDefinitions } from "../../../src/jobs.js";

export interface Portal {
  ctx: AppContext;
  dataDir: string;
  /** http://127.0.0.1:<port> — the requester's browser. */
  baseUrl: string;
  /** http://localhost:<port> — the same portal under another host, so staff cookies stay apart. */
  staffUrl: string;
  stop(): Promise<void>;
}

export async function startPortal(): Promise<Portal> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-e2e-"));
  const config = loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, JOBS: "on", LOG_LEVEL: process.env.E2E_LOG ?? "silent", SEED_DEMO: "never" });
  const database: Database = await openPglite("memory://");
  await database.migrate();
  const ctx: AppContext = {
    db: database.db,
    engine: database.engine,
    config,
    logger: pino({ level: config.LOG_LEVEL }),
    clock: systemClock,
    keys: createKeyRing(crypto.randomBytes(32)),
    mail: createMailTransport({ dataDir }),
    instanceId: "e2e",
  };
  const app = buildApp(ctx);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  config.BASE_URL = `http://127.0.0.1:${port}`;
  // Fast loops: a test waits for mail and packages, a person would not notice the difference.
  const runner = new JobRunner(ctx, jobDefinitions(), { pollMs: 150 });
  const outbox = new Poller(() => deliverOutbox(ctx), 150, ctx.logger);
  runner.start();
  outbox.start();
  return {
    ctx,
    dataDir,
    baseUrl: `http://127.0.0.1:${port}`,
    staffUrl: `http://localhost:${port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await Promise.all([runner.stop(), outbox.stop()]);
      ctx.mail.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
