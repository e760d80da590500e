import { expect } from "chai";
import { eq, sql } from "drizzle-orm";
import pino from "pino";
import { freshContext, type TestContext } from "../support/context.js";
import { rowsOf, type Executor } from "../../src/db/client.js";
import { auditLog, conversations, dataMigrations, organizations, recipients, staffUsers, subjects } from "../../src/db/schema/index.js";
import { seedDemo } from "../../src/seed/demo.js";
import { createKeyRing, currentWrapPrefix, masterKeyId, type KeyRing } from "../../src/platform/crypto.js";
import { loadRootKeys } from "../../src/platform/root-keys.js";
import { pendingRewraps, rotateMasterKey } from "../../src/platform/key-rotation.js";
import { wrappedColumns } from "../../src/wrapped-keys.js";
import { readIp, readMessages, readNotes } from "../../src/chats/conversation-store.js";
import { openSubjects } from "../../src/chats/subject-store.js";
import { organizationSigningKey } from "../../src/platform/organizations.js";
import { openClientSecret, openPrivateJwks, readEidConfig, sealClientSecret, sealPrivateJwks } from "../../src/identity/oidc-config.js";
import { TOTP_SECRET_PURPOSE } from "../../src/staff/totp.js";
import { WEBHOOK_SECRET_PURPOSE } from "../../src/fulfilment/webhooks.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { prepareContext } from "../../src/bootstrap.js";
import { dataMigrationDefinitions } from "../../src/data-migrations.js";

const OLD = Buffer.alloc(32, 11);
const NEW = Buffer.alloc(32, 12);

/** A ring as a portal would hold it: lookup keys loaded from the database. */
async function ringOf(db: Executor, master: Buffer, previous?: Buffer): Promise<KeyRing> {
  const ring = createKeyRing(master, previous);
  await loadRootKeys(db, ring, previous ?? master);
  return ring;
}

/** Everything the demo (plus the secrets added below) holds under master-wrapped keys, opened with `keys`. */
async function readEverything(db: Executor, keys: KeyRing) {
  const convs = await db.select().from(conversations).orderBy(conversations.id);
  const chats = [];
  for (const c of convs) {
    if (!c.dataKeyId) continue;
    chats.push({ id: c.id, messages: (await readMessages(db, keys, c)).map((m) => m.body), notes: (await readNotes(db, keys, c)).map((n) => n.body), ip: await readIp(db, keys, c) });
  }
  const people = (await openSubjects(db, keys, await db.select().from(subjects).orderBy(subjects.id))).map((s) => [s.email, s.displayName]);
  const orgs = await db.select().from(organizations).orderBy(organizations.id);
  const signing = orgs.map((o) => organizationSigningKey(keys, o).export({ format: "pem", type: "pkcs8" }).toString());
  const eid = orgs.flatMap((o) => { const cfg = readEidConfig(o); return cfg ? [openClientSecret(keys, o.id, cfg), JSON.stringify(openPrivateJwks(keys, o.id, cfg))] : []; });
  const totp = (await db.select().from(staffUsers)).flatMap((s) => (s.totpSecretEnc ? [keys.openWithMaster(s.totpSecretEnc, TOTP_SECRET_PURPOSE)] : []));
  const hooks = (await db.select().from(recipients)).flatMap((r) => (r.webhookSecretEnc ? [keys.openWithMaster(r.webhookSecretEnc, WEBHOOK_SECRET_PURPOSE)] : []));
  return { chats, people, signing, eid, totp, hooks, hash: keys.keyedHash("email", "a@example.test"), index: keys.blindIndex("email", "a@example.test") };
}

/** Every value anywhere in the database (bytea, base64 text, top-level jsonb strings) wrapped under the given key id. */
async function valuesUnderKey(db: Executor, keyId: string): Promise<string[]> {
  const prefix = `02${keyId}`;
  const cols = rowsOf<{ t: string; c: string; ty: string }>(await db.execute(sql`
    select table_name as t, column_name as c, data_type as ty from information_schema.columns
    where table_schema = 'public' and data_type in ('bytea', 'text', 'jsonb')`));
  const found: string[] = [];
  for (const { t, c, ty } of cols) {
    const col = sql.raw(`"${c}"`);
    const tab = sql.raw(`"${t}"`);
    const b64 = (v: ReturnType<typeof sql>) => sql`case when ${v} ~ '^[A-Za-z0-9+/]{16,}={0,2}$' and length(${v}) % 4 = 0 then encode(substring(decode(${v}, 'base64') from 1 for 5), 'hex') end`;
    const q = ty === "bytea"
      ? sql`select count(*)::int as n from ${tab} where encode(substring(${col} from 1 for 5), 'hex') = ${prefix}`
      : ty === "text"
        ? sql`select count(*)::int as n from ${tab} where ${b64(col)} = ${prefix}`
        : sql`select count(*)::int as n from ${tab}, jsonb_each_text(case when jsonb_typeof(${col}) = 'object' then ${col} else '{}'::jsonb end) e where ${b64(sql`e.value`)} = ${prefix}`;
    const [row] = rowsOf<{ n: number }>(await db.execute(q));
    if (Number(row?.n) > 0) found.push(`${t}.${c}: ${row!.n}`);
  }
  return found;
}

describe("platform: master key rotation (npm run keys:rotate)", function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let before: Awaited<ReturnType<typeof readEverything>>;
  let rotating: TestContext;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.keys = await ringOf(ctx.db, OLD);
    await seedDemo(ctx);
    // What the demo lacks: a TOTP secret, a webhook secret, eID secrets.
    const [org] = await ctx.db.select().from(organizations);
    await ctx.db.update(staffUsers).set({ totpSecretEnc: ctx.keys.sealWithMaster("JBSWY3DPEHPK3PXP", TOTP_SECRET_PURPOSE) });
    await ctx.db.update(recipients).set({ webhookUrl: "https://hooks.example.test/x", webhookSecretEnc: ctx.keys.sealWithMaster("whsec-demo", WEBHOOK_SECRET_PURPOSE) });
    await ctx.db.update(organizations).set({ eidConfig: { providerLabel: "Test eID", issuer: "https://eid.example.test", clientId: "rightsdesk", clientSecretSealed: sealClientSecret(ctx.keys, org!.id, "eid-secret"), privateJwksSealed: sealPrivateJwks(ctx.keys, org!.id, [{ kty: "oct", k: "c2VjcmV0", kid: "k1" }]) } }).where(eq(organizations.id, org!.id));
    before = await readEverything(ctx.db, ctx.keys);
    expect(before.chats.length).to.be.greaterThan(3);
    expect([before.totp.length, before.hooks.length, before.eid.length]).to.deep.equal([(await ctx.db.select().from(staffUsers)).length, (await ctx.db.select().from(recipients)).length, 2]);
    // The portal restarted with MASTER_KEY=new and MASTER_KEY_PREVIOUS=old.
    rotating = { ...ctx, keys: await ringOf(ctx.db, NEW, OLD) };
  });

  it("rewraps every wrapped key and secret; afterwards everything opens with the new key alone, lookups unchanged", async () => {
    expect(await valuesUnderKey(ctx.db, masterKeyId(OLD))).not.to.deep.equal([]);
    // Both keys accepted meanwhile: a new data key is under the new one, the old ones still open.
    expect(await readEverything(ctx.db, rotating.keys)).to.deep.equal(before);
    const result = await rotateMasterKey(rotating, wrappedColumns(), { batchSize: 7 });
    expect(result.remaining).to.equal(0);
    for (const kind of ["root_keys", "conversation_keys", "subject_keys", "org_signing_keys", "eid_client_secrets", "eid_private_jwks", "staff_totp_secrets", "webhook_secrets"]) {
      expect(result.rewrapped[kind], kind).to.be.greaterThan(0);
    }
    expect(await valuesUnderKey(ctx.db, masterKeyId(OLD))).to.deep.equal([]);
    const onlyNew = await ringOf(ctx.db, NEW);
    expect(onlyNew.keyIds).to.deep.equal([masterKeyId(NEW)]);
    expect(await readEverything(ctx.db, onlyNew)).to.deep.equal(before);

    // Counts only in the audit, and the chain verifies.
    const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "keys.rewrapped"));
    expect(audits.length).to.be.greaterThan(8);
    for (const a of audits) expect(Object.keys(a.details as object).sort()).to.deep.equal(["count", "keyId", "kind"]);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
    // Running it again finds nothing to do.
    const again = await rotateMasterKey(rotating, wrappedColumns());
    expect(Object.values(again.rewrapped).every((n) => n === 0)).to.equal(true);
  });

  it("an interrupted rotation resumes where it stopped and rewraps each value once", async () => {
    const initial = await pendingRewraps(ctx.db, currentWrapPrefix(rotating.keys), wrappedColumns());
    const total = Object.values(initial).reduce((a, b) => a + b, 0);
    let batches = 0;
    let done = 0;
    const err = await rotateMasterKey(rotating, wrappedColumns(), {
      batchSize: 5,
      afterBatch: (_kind, n) => { batches += 1; done += n; if (batches === 3) throw new Error("killed"); },
    }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal("killed");
    const left = Object.values(await pendingRewraps(ctx.db, currentWrapPrefix(rotating.keys), wrappedColumns())).reduce((a, b) => a + b, 0);
    expect(done).to.be.greaterThan(0);
    expect(left).to.equal(total - done);
    // Meanwhile the portal (both keys) reads everything.
    expect(await readEverything(ctx.db, rotating.keys)).to.deep.equal(before);
    const resumed = await rotateMasterKey(rotating, wrappedColumns(), { batchSize: 5 });
    expect(Object.values(resumed.rewrapped).reduce((a, b) => a + b, 0)).to.equal(left);
    expect(resumed.remaining).to.equal(0);
    expect(await readEverything(ctx.db, await ringOf(ctx.db, NEW))).to.deep.equal(before);
  });

  it("a portal started afterwards with only the old key stops at start-up with a message naming the keys", async () => {
    await rotateMasterKey(rotating, wrappedColumns());
    const logger = pino({ level: "silent" });
    // As on a portal's database, the data migrations have run (the test's truncation forgot them).
    await ctx.db.insert(dataMigrations).values(dataMigrationDefinitions().map((m) => ({ name: m.name, appliedAt: ctx.clock.now() }))).onConflictDoNothing();
    const err = await prepareContext(ctx.database, { ...ctx.config, MASTER_KEY: OLD.toString("base64"), MASTER_KEY_PREVIOUS: undefined }, logger).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.include(`wrapped under master key ${masterKeyId(NEW)}`).and.include(masterKeyId(OLD)).and.include("MASTER_KEY_PREVIOUS");
    const ok = await prepareContext(ctx.database, { ...ctx.config, MASTER_KEY: NEW.toString("base64"), MASTER_KEY_PREVIOUS: undefined }, logger);
    const after = await readEverything(ctx.db, ok.keys);
    for (const k of Object.keys(before) as (keyof typeof before)[]) expect(after[k], k).to.deep.equal(before[k]);
  });
});
