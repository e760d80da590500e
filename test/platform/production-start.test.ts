import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { count } from "drizzle-orm";
import { ConfigError, loadConfig } from "../../src/config.js";
import { openPglite } from "../../src/db/client.js";
import { organizations, staffUsers } from "../../src/db/schema/index.js";
import { DEMO_DOMAIN, DEMO_STAFF_PASSWORD, DEMO_SUBJECT_PASSWORD } from "../../src/seed/demo.js";
import { embeddedEnv, runCommand, startPortal, stopProcess } from "../support/processes.js";

/** Nothing of the demo: its sign-in lines, its domain, its published passwords. */
function expectNoDemo(output: string): void {
  expect(output).not.to.match(/demo sign-in/i);
  expect(output).not.to.include(DEMO_DOMAIN);
  expect(output).not.to.include(DEMO_STAFF_PASSWORD);
  expect(output).not.to.include(DEMO_SUBJECT_PASSWORD);
}

async function countRows(dataDir: string): Promise<{ orgs: number; staff: number }> {
  const database = await openPglite(path.join(dataDir, "pglite"));
  try {
    const [o] = await database.db.select({ n: count() }).from(organizations);
    const [s] = await database.db.select({ n: count() }).from(staffUsers);
    return { orgs: Number(o!.n), staff: Number(s!.n) };
  } finally {
    await database.close();
  }
}

describe("no demo in production", function () {
  this.timeout(120_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-prod-"));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("SEED_DEMO defaults to never in production; auto there is refused, naming the variable", () => {
    expect(loadConfig({ NODE_ENV: "production" }).SEED_DEMO).to.equal("never");
    expect(loadConfig({ NODE_ENV: "development" }).SEED_DEMO).to.equal("auto");
    expect(() => loadConfig({ NODE_ENV: "production", SEED_DEMO: "auto" })).to.throw(ConfigError, /SEED_DEMO.*production/s);
  });

  it("a production start on a fresh DATA_DIR seeds nothing, prints no demo sign-in, and tells how to set up", async () => {
    const portal = await startPortal(dataDir, { LOG_LEVEL: "info" });
    let home: Response;
    let signIn: Response;
    try {
      expect(portal.listening, portal.stderr()).to.equal(true);
      home = await fetch(`http://127.0.0.1:${portal.port}/`);
      signIn = await fetch(`http://127.0.0.1:${portal.port}/staff/sign-in`);
    } finally {
      expect(await stopProcess(portal)).to.equal(0);
    }
    const stdout = portal.stdout();
    expectNoDemo(stdout + portal.stderr());
    expect(stdout).to.match(/no organization.*npm run setup/i);
    expect(home.status).to.equal(503);
    const page = await home.text();
    expect(page).to.include("npm run setup");
    expect(page).not.to.match(/at [\w/.-]+\.ts:\d+/);
    expect(signIn.status).to.equal(503);
    expect(await countRows(dataDir)).to.deep.equal({ orgs: 0, staff: 0 });
  });

  it("SEED_DEMO=auto in production stops the start with a clear message", async () => {
    const res = await runCommand("src/main.ts", embeddedEnv(dataDir, { SEED_DEMO: "auto", PORT: "0" }));
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/SEED_DEMO/);
    expect(res.stderr).to.match(/production/);
    expectNoDemo(res.stdout + res.stderr);
  });

  it("npm run seed in production stops with a clear message and seeds nothing", async () => {
    const res = await runCommand("scripts/seed.ts", embeddedEnv(dataDir));
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/demo/i);
    expect(res.stderr).to.match(/production/);
    expectNoDemo(res.stdout);
    // Refused before the database is opened: not even an empty one was created.
    expect(fs.existsSync(path.join(dataDir, "pglite"))).to.equal(false);
  });

  it("a production start on data a development run seeded with the demo stops before it listens, naming the way out", async () => {
    const seeded = await runCommand("scripts/seed.ts", embeddedEnv(dataDir, { NODE_ENV: "development" }));
    expect(seeded.code, seeded.stderr).to.equal(0);
    const res = await runCommand("src/main.ts", embeddedEnv(dataDir, { PORT: "0" }));
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/demo organization/).and.match(/fresh DATA_DIR/).and.match(/npm run setup/);
    expect(res.stdout).not.to.match(/listening/);
    expectNoDemo(res.stdout + res.stderr);
  });
});
