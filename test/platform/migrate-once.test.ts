/**
 * Several instances of a new version starting at once on one PostgreSQL server: the SQL migrations
 * are applied by one of them, the others wait and find nothing left (issue #22, "migrations run
 * once"). Needs a database of its own, empty, so it runs on the PostgreSQL server only.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { openPostgres } from "../../src/db/client.js";

const url = process.env.TEST_DATABASE_URL;

(url ? describe : describe.skip)("SQL migrations on a PostgreSQL server shared by several instances", function () {
  this.timeout(120_000);
  const name = `rd_migrate_${crypto.randomBytes(4).toString("hex")}`;
  let admin: pg.Client;
  let fresh: string;

  before(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(url!);
    u.pathname = `/${name}`;
    fresh = u.toString();
  });
  after(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("applies every migration once when four instances start at the same moment, each with a pool of one", async () => {
    const instances = await Promise.all([1, 2, 3, 4].map(() => openPostgres(fresh, 1)));
    try {
      const results = await Promise.allSettled(instances.map((d) => d.migrate()));
      expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).to.deep.equal([]);
      const journal = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../../src/db/migrations/meta/_journal.json"), "utf8")) as { entries: unknown[] };
      const check = new pg.Client({ connectionString: fresh });
      await check.connect();
      try {
        const applied = await check.query("select count(*)::int as n from drizzle.__drizzle_migrations");
        expect(applied.rows[0].n).to.equal(journal.entries.length);
        const locks = await check.query("select count(*)::int as n from pg_locks where locktype = 'advisory'");
        expect(locks.rows[0].n, "no advisory lock is left behind").to.equal(0);
      } finally {
        await check.end();
      }
    } finally {
      await Promise.all(instances.map((d) => d.close()));
    }
  });
});
