import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { openDatabase } from "../../src/db/client.js";
import { DataDirInUseError, lockDataDir } from "../../src/db/data-dir.js";
import { embeddedEnv, runCommand, snapshotTree, startPortal, stopProcess, type Started } from "../support/processes.js";

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe("platform: one process per embedded DATA_DIR (in this process)", function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => (dataDir = tempDir("rd-lock-")));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("refuses a second lock on the same DATA_DIR, naming it and the holder, until the first is released", () => {
    const first = lockDataDir(dataDir, "portal");
    try {
      let refused: unknown;
      try {
        lockDataDir(dataDir, "command");
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(DataDirInUseError);
      const message = (refused as Error).message;
      expect(message).to.include(`DATA_DIR ${dataDir} is in use by another Rightsdesk process: the portal (pid ${process.pid}`);
      expect(message).to.include("Stop the portal");
      expect(message).to.include("DATABASE_URL");
    } finally {
      first.release();
    }
    lockDataDir(dataDir, "command").release();
  });

  it("opens the embedded database only once at a time, and again after close", async () => {
    const database = await openDatabase({ dataDir });
    try {
      const second = await openDatabase({ dataDir }).then(
        (db) => db,
        (err: unknown) => err,
      );
      expect(second).to.be.instanceOf(DataDirInUseError);
    } finally {
      await database.close();
    }
    const again = await openDatabase({ dataDir });
    await again.close();
  });
});

describe("platform: one process per embedded DATA_DIR (real processes)", function () {
  this.timeout(300_000);
  let dataDir: string;
  let portal: Started | undefined;
  const extras: Started[] = [];

  before(async () => {
    dataDir = tempDir("rd-lock-proc-");
    // Jobs off: the running portal then writes nothing by itself, so any change is the second process's.
    const started = await startPortal(dataDir, { JOBS: "off" });
    portal = started;
    expect(started.listening, started.stderr()).to.equal(true);
  });
  after(async () => {
    for (const p of [portal, ...extras]) if (p) await stopProcess(p, "SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops a second portal on the DATA_DIR in use with the message, and it writes nothing", async () => {
    const before = snapshotTree(dataDir);
    const second = await startPortal(dataDir, { JOBS: "off" }, 60_000);
    extras.push(second);
    expect(second.listening, "the second portal must not start").to.equal(false);
    expect(await second.exited).to.equal(1);
    expect(second.stderr()).to.include(`Start-up failed: DATA_DIR ${dataDir} is in use by another Rightsdesk process: the portal (pid `);
    expect(second.stderr()).to.include("Stop that process first, or run every process against a PostgreSQL server with DATABASE_URL.");
    expect(second.stderr()).not.to.match(/\n\s+at /);
    expect(snapshotTree(dataDir)).to.deep.equal(before);
    const health = await fetch(`http://127.0.0.1:${portal!.port}/healthz`);
    expect(health.status).to.equal(200);
  });

  it("stops seed, retention, import and audit:verify beside the running portal, telling to stop it first", async () => {
    const before = snapshotTree(dataDir);
    const ndjson = path.join(tempDir("rd-lock-import-"), "chats.ndjson");
    fs.writeFileSync(ndjson, "");
    const env = embeddedEnv(dataDir);
    for (const [file, args] of [["scripts/seed.ts", []], ["scripts/retention.ts", []], ["scripts/import.ts", [ndjson]], ["scripts/audit-verify.ts", []]] as const) {
      // The demo seed refuses production before it opens anything: it meets the lock as in development.
      const res = await runCommand(file, file === "scripts/seed.ts" ? embeddedEnv(dataDir, { NODE_ENV: "development" }) : env, [...args]);
      expect(res.code, `${file}: ${res.stdout}${res.stderr}`).to.equal(1);
      expect(res.stderr, file).to.include(`DATA_DIR ${dataDir} is in use by another Rightsdesk process: the portal (pid `);
      expect(res.stderr, file).to.include("Stop the portal (or the other command) first and run this again, or point both the portal and this command at a PostgreSQL server with DATABASE_URL.");
      expect(res.stderr, file).not.to.match(/\n\s+at /);
    }
    fs.rmSync(path.dirname(ndjson), { recursive: true, force: true });
    expect(snapshotTree(dataDir)).to.deep.equal(before);
  });

  it("releases the lock when the portal stops on SIGTERM: a command runs afterwards", async () => {
    expect(await stopProcess(portal!, "SIGTERM")).to.equal(0);
    portal = undefined;
    const res = await runCommand("scripts/audit-verify.ts", embeddedEnv(dataDir));
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/audit log intact: (\d+ entries verified|no entries yet)/);
  });

  it("lets the next start take over at once after the holder was killed with SIGKILL", async () => {
    const victim = await startPortal(dataDir, { JOBS: "off" });
    extras.push(victim);
    expect(victim.listening, victim.stderr()).to.equal(true);
    expect(await stopProcess(victim, "SIGKILL")).to.equal("SIGKILL");
    // The lock file is still there with the dead holder's pid; the OS lock died with it.
    expect(fs.readFileSync(path.join(dataDir, "rightsdesk.lock"), "utf8")).to.include(`"pid":`);

    const killedAt = Date.now();
    const next = await runCommand("scripts/audit-verify.ts", embeddedEnv(dataDir));
    const commandMs = Date.now() - killedAt;
    expect(next.code, next.stderr).to.equal(0);
    const restartAt = Date.now();
    const successor = await startPortal(dataDir, { JOBS: "off" });
    extras.push(successor);
    expect(successor.listening, successor.stderr()).to.equal(true);
    const health = await fetch(`http://127.0.0.1:${successor.port}/healthz`);
    expect(health.status).to.equal(200);
    process.stdout.write(`      after kill -9: audit:verify ran in ${commandMs} ms, the next portal listened ${Date.now() - restartAt} ms after its start (no stale-lock wait)\n`);
    await stopProcess(successor, "SIGTERM");
  });
});
