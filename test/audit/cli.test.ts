import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { sql } from "drizzle-orm";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { openPglite } from "../../src/db/client.js";
import { createKeyRing } from "../../src/platform/crypto.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { recordAudit } from "../../src/platform/audit.js";
import { createOrganization } from "../../src/platform/organizations.js";
import { retentionPolicies } from "../../src/db/schema/index.js";
import type { runRetention } from "../../src/retention/run-retention.js";
import { TestClock } from "../support/context.js";

const run = promisify(execFile);
const tsx = path.resolve("node_modules/.bin/tsx");

/** Runs a script against the embedded database in `dataDir`; resolves with its exit code and output. */
async function script(file: string, dataDir: string, args: string[] = []) {
  try {
    const { stdout, stderr } = await run(tsx, [file, ...args], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "silent", MASTER_KEY: Buffer.alloc(32, 7).toString("base64") } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("command line: npm run audit:verify and npm run retention", function () {
  this.timeout(180_000);
  let dataDir: string;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-cli-"));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** Opens the script's database in this process, runs `work`, and closes it again (PGlite has one owner). */
  async function withDatabase(work: (ctx: Parameters<typeof runRetention>[0] & { clock: TestClock }) => Promise<void>) {
    const database = await openPglite(path.join(dataDir, "pglite"));
    await database.migrate();
    const ctx = {
      db: database.db, engine: database.engine, config: loadConfig({ NODE_ENV: "test", DATA_DIR: dataDir, LOG_LEVEL: "silent" }), logger: pino({ level: "silent" }),
      clock: new TestClock(new Date(Date.now() - 800 * 86_400_000)), keys: createKeyRing(Buffer.alloc(32, 7)), mail: createMailTransport({ dataDir }), instanceId: "cli-test",
    };
    try {
      await work(ctx);
    } finally {
      await database.close();
    }
  }

  it("verifies a pruned chain, and names the first bad entry once one is altered", async () => {
    await withDatabase(async (ctx) => {
      const org = await createOrganization(ctx.db, ctx.keys, { slug: "cli", name: "CLI helpline", country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "fi", locales: ["fi"] });
      for (let i = 0; i < 6; i++) await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "test.old", details: { i } });
      // Recent by the wall clock, which is what the CLI's dry run measures against.
      ctx.clock.set(new Date());
      for (let i = 0; i < 3; i++) await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "test.recent", details: { i } });
      await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "audit_log", periodDays: 365, basis: "created", action: "delete" });
    });

    const dry = await script("scripts/retention.ts", dataDir, ["--dry-run"]);
    expect(dry.code).to.equal(0);
    expect(dry.stdout).to.match(/cli:\n\s+audit_log\s+6\n/);

    const swept = await script("scripts/retention.ts", dataDir);
    expect(swept.code).to.equal(0);
    expect(swept.stdout).to.match(/cli:\n\s+audit_log\s+6\n/);
    const ok = await script("scripts/audit-verify.ts", dataDir);
    expect(ok.code).to.equal(0);
    expect(ok.stdout).to.match(/audit log intact: \d+ entries verified \(starting after anchor seq=6/);

    let altered = 0;
    await withDatabase(async (ctx) => {
      const rows = (await ctx.db.execute(sql`select seq from audit_log order by seq limit 1 offset 1`)) as unknown as { rows: { seq: number }[] };
      altered = Number(rows.rows[0]!.seq);
      await ctx.db.execute(sql`update audit_log set action = 'test.forged' where seq = ${altered}`);
    });
    const broken = await script("scripts/audit-verify.ts", dataDir);
    expect(broken.code).to.equal(1);
    expect(broken.stderr).to.include(`audit log BROKEN at entry seq=${altered} (altered)`);
  });
});

describe("command line: npm run audit:verify with a chain per organization", function () {
  this.timeout(180_000);
  let dataDir: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-cli-chains-"));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("checks every chain and prints each one's result; a tampered chain fails alone", async () => {
    let tampered = "";
    const database = await openPglite(path.join(dataDir, "pglite"));
    await database.migrate();
    try {
      const ctx = { db: database.db, clock: new TestClock(new Date()), keys: createKeyRing(Buffer.alloc(32, 7)) };
      for (const slug of ["north", "south"]) {
        const org = await createOrganization(ctx.db, ctx.keys, { slug, name: `Helpline ${slug}`, country: "FI", timeZone: "Europe/Helsinki", defaultLocale: "fi", locales: ["fi"] });
        for (let i = 0; i < 3; i++) await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "test.chain", details: { i } });
        if (slug === "south") tampered = org.id;
      }
      await recordAudit(ctx, { actor: { type: "system" }, action: "test.platform" });
    } finally {
      await database.close();
    }
    const ok = await script("scripts/audit-verify.ts", dataDir);
    expect(ok.code).to.equal(0);
    expect(ok.stdout).to.match(/chain platform: audit log intact: \d+ entries verified\n/);
    expect(ok.stdout).to.match(/chain organization north \([0-9a-f-]{36}\): audit log intact: \d+ entries verified\n/);
    expect(ok.stdout).to.match(/chain organization south \([0-9a-f-]{36}\): audit log intact: \d+ entries verified\n/);
    expect(ok.stdout).to.include("all 3 chains intact");

    const again = await openPglite(path.join(dataDir, "pglite"));
    try {
      await again.db.execute(sql`update audit_log set action = 'test.forged' where chain = ${tampered} and chain_seq = (select max(chain_seq) from audit_log where chain = ${tampered})`);
    } finally {
      await again.close();
    }
    const broken = await script("scripts/audit-verify.ts", dataDir);
    expect(broken.code).to.equal(1);
    expect(broken.stdout).to.match(/chain organization north .*: audit log intact/);
    expect(broken.stdout).to.match(/chain platform: audit log intact/);
    expect(broken.stderr).to.match(/chain organization south .*: audit log BROKEN at entry seq=\d+ \(altered\)/);
    expect(broken.stderr).to.include("1 of 3 chains broken");
  });
});
