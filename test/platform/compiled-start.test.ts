import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { openPglite, rowsOf } from "../../src/db/client.js";
import { ensureBuilt, PORTAL_ENTRY, startPortal, stopProcess } from "../support/processes.js";

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

const isStale = () => execFileSync(process.execPath, ["--input-type=module", "-e", 'import { isStale } from "./scripts/build.mjs"; process.stdout.write(String(isStale()));'], { encoding: "utf8" });

describe("the compiled portal (npm start runs dist/, built from src/)", function () {
  this.timeout(180_000);
  let dataDir: string;
  before(() => ensureBuilt());
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-compiled-"));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("has a module for every source file and every catalog, mail template and migration file beside it", () => {
    const src = filesUnder("src");
    const dist = new Set(filesUnder("dist"));
    const expected = src.map((f) => f.replace(/\.ts$/, ".js"));
    expect(expected.filter((f) => !dist.has(f))).to.deep.equal([]);
    expect(expected.some((f) => f.startsWith(path.join("db", "migrations", "meta")))).to.equal(true);
    expect(expected.some((f) => f.endsWith(path.join("identity", "locales", "et.json")))).to.equal(true);
  });

  it("is rebuilt when a source file is newer than the build, and only then", () => {
    expect(isStale()).to.equal("false");
    const stamp = fs.statSync("dist/.built").mtime;
    const file = "src/context.ts";
    const before = fs.statSync(file);
    try {
      fs.utimesSync(file, before.atime, new Date(stamp.getTime() + 5_000));
      expect(isStale()).to.equal("true");
    } finally {
      fs.utimesSync(file, before.atime, before.mtime);
    }
  });

  it("starts from dist/ on a fresh DATA_DIR, serves localized pages, public files and /healthz, and logs its start-up phases at debug level", async () => {
    const portal = await startPortal(dataDir, { NODE_ENV: "development", LOG_LEVEL: "debug", JOBS: "off" });
    const base = `http://127.0.0.1:${portal.port}`;
    try {
      expect(portal.listening, portal.stderr()).to.equal(true);
      expect(portal.child.spawnargs).to.include(PORTAL_ENTRY);
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      // A page in Finnish (the demo's default) needs the views, the catalogs and the migrated, seeded database.
      const home = await fetch(`${base}/`, { headers: { "accept-language": "fi" } });
      expect(home.status).to.equal(200);
      expect(await home.text()).to.include('lang="fi"');
      const css = await fetch(`${base}/public/css/app.css`);
      expect(css.status).to.equal(200);
    } finally {
      expect(await stopProcess(portal)).to.equal(0);
    }
    const line = portal.stdout().split("\n").find((l) => l.includes("start-up phases"));
    expect(line, portal.stdout().slice(0, 2000)).to.be.a("string");
    const logged = JSON.parse(line!) as { level: number; phases: Record<string, number>; seeded: boolean };
    expect(Object.keys(logged.phases)).to.deep.equal(["load", "open database", "migrate", "seed", "listen"]);
    for (const ms of Object.values(logged.phases)) expect(ms).to.be.a("number").and.at.least(0);
    expect(logged.seeded).to.equal(true);
    expect(logged.level).to.equal(20); // pino's debug
  });

  it("gives the embedded database 16 MB of shared buffers, not PostgreSQL's 128 MB, which PGlite keeps resident", async () => {
    const database = await openPglite(path.join(dataDir, "pglite"));
    try {
      const rows = rowsOf<{ shared_buffers: string }>(await database.db.execute("show shared_buffers"));
      expect(rows[0]?.shared_buffers).to.equal("16MB");
    } finally {
      await database.close();
    }
  });
});
