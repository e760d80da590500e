import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { sql } from "drizzle-orm";
import { openPglite, rowsOf, type Database } from "../../src/db/client.js";
import { subjectById, subjectByEmail } from "../../src/chats/subject-store.js";
import { sealExistingPersonalFields } from "../../src/complaints/seal-existing-personal-fields.js";
import { contextOn, type TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";

/**
 * The data migration that seals the plaintext profile columns, on a database of its own: the
 * shared one may have run it already (it drops those columns).
 */
describe("data migration: seal the subjects' plaintext profile fields", function () {
  this.timeout(60_000);
  let database: Database;
  let dir: string;
  let ctx: TestContext;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-seal-fields-"));
    database = await openPglite("memory://");
    await database.migrate();
    ctx = contextOn(database, dir);
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("seals a row that holds plaintext and leaves a row that today's code sealed as it was", async () => {
    const org = await makeOrg(ctx);
    // Written by today's code while the plaintext columns still exist (they stay null).
    const sealed = await makeSubject(ctx, org.id, { email: "today@example.test", displayName: "Written Today" });
    // Written before issue 18: plaintext only.
    const legacyId = crypto.randomUUID();
    await ctx.db.execute(sql`insert into subjects (id, org_id, email, display_name, locale) values (${legacyId}, ${org.id}, ${"Old@Example.test"}, ${"Written Before"}, 'en')`);

    await ctx.db.transaction((tx) => sealExistingPersonalFields(ctx, tx));

    const today = await subjectById(ctx.db, ctx.keys, sealed.id);
    expect([today!.email, today!.displayName]).to.deep.equal(["today@example.test", "Written Today"]);
    const old = await subjectByEmail(ctx.db, ctx.keys, org.id, "old@example.test");
    expect(old?.id).to.equal(legacyId);
    expect(old!.displayName).to.equal("Written Before");
    const columns = await ctx.db.execute(sql`select column_name from information_schema.columns where table_name = 'subjects' and column_name in ('email', 'display_name')`);
    expect(rowsOf(columns)).to.have.length(0);
  });
});
