/**
 * Issue 22 item 5: several instances on one PostgreSQL server. Two real portal processes, each
 * with its own DATA_DIR, share the test's database and a real SMTP server. The DPO releases three
 * access packages; whichever instance builds one, every package downloads over HTTP from the
 * other (its blob is in export_blob_chunks, not under the builder's DATA_DIR), as a ZIP whose
 * signed manifest verifies. Every job ran once and every mail arrived once across both.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { eq, inArray } from "drizzle-orm";
import request from "supertest";
import { auditLog, exportBlobChunks, exports, jobs, outbox, requests, sessions } from "../../src/db/schema/index.js";
import { randomToken, sha256Hex } from "../../src/platform/crypto.js";
import { freshContext, TEST_MASTER_KEY, type TestContext } from "../support/context.js";
import { startPortal, stopProcess, type Started } from "../support/processes.js";
import { SmtpPeer } from "../mail/helpers.js";
import { actorOf, insertRequest, releaseUnreviewed, world } from "../fulfilment/helpers.js";
import { makeSubject } from "../support/factories.js";
import { checkManifest, sha256, unzip } from "./helpers.js";

const PACKAGES = 3;

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** A requester's session row, valid by the wall clock the portals run on. */
async function requesterCookie(ctx: TestContext, orgId: string, subjectId: string): Promise<string> {
  const token = randomToken();
  const now = new Date();
  await ctx.db.insert(sessions).values({
    idHash: sha256Hex(token), orgId, kind: "requester", subjectId, assurance: "account", stage: "complete",
    reauthAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 3_600_000),
  });
  return `rd_session=${token}`;
}

describe("exports: two instances on one PostgreSQL server", function () {
  this.timeout(300_000);
  const url = process.env.TEST_DATABASE_URL;
  const dirs: string[] = [];
  const portals: Started[] = [];
  const smtp = new SmtpPeer();

  before(function () {
    if (!url) this.skip(); // needs a PostgreSQL server: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test_blobs)
  });
  after(async () => {
    await Promise.all(portals.map((p) => stopProcess(p)));
    await smtp.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("a package built by one downloads from the other; every job and every mail runs exactly once", async () => {
    const ctx = await freshContext(); // migrates the server's schema once, before either instance starts
    ctx.clock.set(new Date());
    await smtp.start();

    for (const name of ["a", "b"]) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `rightsdesk-two-${name}-`));
      dirs.push(dataDir);
      const portal = await startPortal(dataDir, { DATABASE_URL: url!, MASTER_KEY: TEST_MASTER_KEY, SMTP_URL: smtp.url, NODE_ENV: "production", LOG_LEVEL: "warn" });
      portals.push(portal);
      expect(portal.listening, portal.stderr()).to.equal(true);
    }

    // After the instances' start (their data migrations run on an empty database, once).
    const w = await world(ctx);
    const subjects = [w.subject, await makeSubject(ctx, w.org.id), await makeSubject(ctx, w.org.id)];
    // The DPO releases three packages: the build jobs go to whichever instance claims them first.
    const requestIds: string[] = [];
    for (const subject of subjects.slice(0, PACKAGES)) {
      const access = await insertRequest(ctx, w.org, { subjectId: subject.id, type: "access", scope: "all_conversations", status: "approved" });
      await releaseUnreviewed(ctx, actorOf(w.dpo), access.id);
      requestIds.push(access.id);
    }
    const built = async () => ctx.db.select().from(exports).where(inArray(exports.requestId, requestIds));
    await waitFor("every package to be ready", async () => (await built()).filter((e) => e.status === "ready").length === PACKAGES, 120_000);
    // Their mails ("your package is ready") are in the outbox: wait until the SMTP server holds them all.
    await waitFor("every mail to be sent", async () => {
      const rows = await ctx.db.select().from(outbox).where(eq(outbox.kind, "email"));
      return rows.length >= PACKAGES && rows.every((r) => r.status === "sent") && smtp.received.length >= rows.length;
    }, 60_000);

    const pidOf = new Map(portals.map((p, i) => [String(p.child.pid), i]));
    for (const row of await built()) {
      const [job] = await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `export:${row.id}`));
      const builder = pidOf.get(String(job!.lockedBy).split("-")[0]!);
      expect(builder, `job locked by ${job!.lockedBy}`).to.be.a("number");
      const other = portals[1 - builder!]!;
      // Nothing of it under either DATA_DIR: the blob is rows on the server.
      for (const d of dirs) expect(fs.existsSync(path.join(d, "exports", row.path!))).to.equal(false);
      expect((await ctx.db.select({ idx: exportBlobChunks.idx }).from(exportBlobChunks).where(eq(exportBlobChunks.blobId, row.path!))).length).to.be.greaterThan(0);

      const [req] = await ctx.db.select().from(requests).where(eq(requests.id, row.requestId!));
      const res = await request(`http://127.0.0.1:${other.port}`)
        .get(`/requests/${req!.reference}/download/${row.id}`)
        .set("Cookie", await requesterCookie(ctx, w.org.id, req!.subjectId!))
        .buffer(true)
        .parse(binary);
      expect(res.status, String(res.text ?? "")).to.equal(200);
      const body = res.body as Buffer;
      expect(body.length).to.equal(row.sizeBytes);
      expect(sha256(body)).to.equal(row.sha256);
      expect(checkManifest(await unzip(body), w.org.signingPublicKey).signatureOk).to.equal(true);
    }

    await sleep(3_000); // a late second run of anything would show now
    // Every job ran once: done on its first attempt; each package built once (one ready entry, attempt 1).
    const allJobs = await ctx.db.select().from(jobs);
    const buildJobs = allJobs.filter((j) => j.name === "exports.build");
    expect(buildJobs).to.have.length(PACKAGES);
    for (const j of buildJobs) expect(j, j.name).to.deep.include({ status: "done", attempts: 1 });
    for (const row of await built()) expect(row.attempts).to.equal(1);
    const readyEntries = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.ready"));
    expect(readyEntries).to.have.length(PACKAGES);
    // Every mail delivered once: one SMTP message per outbox row, each after a single attempt.
    const mails = await ctx.db.select().from(outbox).where(eq(outbox.kind, "email"));
    for (const m of mails) expect(m).to.deep.include({ status: "sent", attempts: 1 });
    expect(smtp.received).to.have.length(mails.length);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).to.equal(mails.length);
    for (const p of portals) expect(p.child.exitCode, p.stderr()).to.equal(null);
  });
});
