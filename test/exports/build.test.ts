import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog, exports, jobs, requests } from "../../src/db/schema/index.js";
import { exportBeforePublishHooks, exportReadyHooks } from "../../src/exports/hooks.js";
import type { ExportRow } from "../../src/exports/export-row.js";
import { buildExport } from "../../src/exports/build-export.js";
import { queueExport, retryExport } from "../../src/exports/queue-export.js";
import { orgExportDir } from "../../src/platform/export-files.js";
import { exportBlobStore, readDecryptedExport } from "../../src/platform/blob-store.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { jobDefinitions } from "../../src/jobs.js";
import { buildNow, checkManifest, exportRow, plantBlob, queue, runJobs, scenario, sha256, storedBlobNames, unzip, freshExportsContext } from "./helpers.js";

const RETRY_WAIT = 60_000; // the runner's first retry comes 30 s after a failure

describe("exports: building", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });
  afterEach(() => {
    exportReadyHooks.length = 0;
    exportBeforePublishHooks.length = 0;
  });

  it("queueExport inserts a pending export and its uniquely keyed job in the caller's transaction", async () => {
    const s = await scenario(ctx);
    const row = await queue(ctx, s.request.id, "access_zip");
    expect(row.status).to.equal("pending");
    const [job] = await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `export:${row.id}`));
    expect(job).to.deep.include({ name: "exports.build", status: "queued" });
    expect(job!.payload).to.deep.equal({ exportId: row.id });
    const audited = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.queued"));
    expect(audited).to.have.length(1);

    // Rolled back with the caller: neither export nor job remains.
    const before = (await ctx.db.select().from(exports)).length;
    await ctx.db
      .transaction(async (tx) => {
        await queueExport(tx, ctx, { requestId: s.request.id, kind: "export_json" });
        throw new Error("caller failed");
      })
      .catch(() => undefined);
    expect((await ctx.db.select().from(exports)).length).to.equal(before);
    expect(await ctx.db.select().from(jobs)).to.have.length(1);

    let refused: unknown;
    await ctx.db.transaction((tx) => queueExport(tx, ctx, { requestId: s.request.id, kind: "dossier" as "access_zip" })).catch((e: unknown) => (refused = e));
    expect((refused as { code?: string }).code).to.equal("validation");
  });

  it("calls the ready hooks in the transaction that marks the export ready", async () => {
    const s = await scenario(ctx);
    const seen: { status: string; visibleInTx: string }[] = [];
    exportReadyHooks.push(async (tx, _ctx, row: ExportRow) => {
      const [inTx] = await tx.select().from(exports).where(eq(exports.id, row.id));
      seen.push({ status: row.status, visibleInTx: inTx!.status });
      await tx.update(requests).set({ status: "completed" }).where(eq(requests.id, row.requestId!));
    });
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    expect(seen).to.deep.equal([{ status: "ready", visibleInTx: "ready" }]);
    expect(row.status).to.equal("ready");
    const [req] = await ctx.db.select().from(requests).where(eq(requests.id, s.request.id));
    expect(req!.status).to.equal("completed");
  });

  it("a crash before publishing leaves no file and nothing to download; the retry succeeds", async () => {
    const s = await scenario(ctx);
    let fail = true;
    exportBeforePublishHooks.push(async () => {
      if (fail) throw new Error("disk check crashed");
    });
    const queued = await queue(ctx, s.request.id, "access_zip");
    await runJobs(ctx);

    const failed = await exportRow(ctx, queued.id);
    expect(failed).to.deep.include({ status: "failed", error: "publish_check_failed", attempts: 1, path: null, sha256: null });
    expect(await storedBlobNames(ctx, s.org.id)).to.deep.equal([]);
    const [job] = await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `export:${queued.id}`));
    expect(job).to.deep.include({ status: "queued", attempts: 1 });
    const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: s.org.id, subjectId: s.subject.id });
    await agent.get(`/requests/${s.request.reference}/download/${queued.id}`).expect(409);

    fail = false;
    ctx.clock.advance(RETRY_WAIT);
    await runJobs(ctx);
    const ready = await exportRow(ctx, queued.id);
    expect(ready).to.deep.include({ status: "ready", error: null, attempts: 2 });
    expect(await storedBlobNames(ctx, s.org.id)).to.deep.equal([path.basename(ready.path!)]);
    const file = await readDecryptedExport(ctx, ready);
    expect(sha256(file)).to.equal(ready.sha256);
    expect(checkManifest(await unzip(file), s.org.signingPublicKey).signatureOk).to.equal(true);
    await agent.get(`/requests/${s.request.reference}/download/${queued.id}`).expect(200);
    const failures = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.failed"));
    expect(failures[0]!.details).to.deep.equal({ kind: "access_zip", attempt: 1, code: "publish_check_failed" });
  });

  it("a failing ready hook rolls the export back (file removed, not ready) and the retry succeeds", async () => {
    const s = await scenario(ctx);
    let calls = 0;
    exportReadyHooks.push(async () => {
      calls += 1;
      if (calls === 1) throw new Error("request update failed");
    });
    const queued = await queue(ctx, s.request.id, "police_pdf");
    await runJobs(ctx);
    const failed = await exportRow(ctx, queued.id);
    expect(failed).to.deep.include({ status: "failed", error: "ready_hook_failed", readyAt: null, path: null });
    expect(await storedBlobNames(ctx, s.org.id)).to.deep.equal([]);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.ready"))).to.have.length(0);

    ctx.clock.advance(RETRY_WAIT);
    await runJobs(ctx);
    const ready = await exportRow(ctx, queued.id);
    expect(ready.status).to.equal("ready");
    expect(calls).to.equal(2);
    // The verification code is kept across attempts: it identifies the export.
    expect(ready.verificationCode).to.equal(failed.verificationCode);
  });

  it("resumes after a process died mid-build: the stale attempt is superseded and its leftovers removed", async () => {
    const s = await scenario(ctx);
    const queued = await queue(ctx, s.request.id, "export_json");
    // Simulate a crash: the row says building (attempt 1), a half-written temp file exists,
    // and the job's lease ran out.
    await ctx.db.update(exports).set({ status: "building", attempts: 1, verificationCode: "V-AAAA-BBBB" }).where(eq(exports.id, queued.id));
    await plantBlob(ctx, s.org.id, `${queued.id}.1.zip`, "PK half a zip");
    await ctx.db
      .update(jobs)
      .set({ status: "running", attempts: 1, lockedBy: "dead-instance", lockedUntil: new Date(ctx.clock.now().getTime() - 1000) })
      .where(eq(jobs.uniqueKey, `export:${queued.id}`));

    expect(await runJobs(ctx)).to.equal(1);
    const ready = await exportRow(ctx, queued.id);
    expect(ready).to.deep.include({ status: "ready", attempts: 2, verificationCode: "V-AAAA-BBBB" });
    expect(await storedBlobNames(ctx, s.org.id)).to.deep.equal([`${queued.id}.2.zip`]);
  });

  it("stops when its job's signal aborts (lease lost, shutdown): nothing published, not failed, the next attempt builds it", async () => {
    const s = await scenario(ctx);
    const queued = await queue(ctx, s.request.id, "access_zip");
    const controller = new AbortController();
    // Abort as the build reaches its first conversation (the job was taken over meanwhile).
    exportBeforePublishHooks.push(async () => {
      throw new Error("must not get as far as publishing");
    });
    let seen: unknown;
    const building = buildExport(ctx, queued.id, controller.signal).catch((err: unknown) => (seen = err));
    controller.abort(new Error("lease lost"));
    await building;
    expect((seen as Error)?.message).to.equal("lease lost");
    const left = await exportRow(ctx, queued.id);
    expect(left).to.deep.include({ status: "building", error: null, path: null });
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.failed"))).to.have.length(0);

    exportBeforePublishHooks.length = 0;
    await buildExport(ctx, queued.id);
    expect(await exportRow(ctx, queued.id)).to.deep.include({ status: "ready", attempts: 2 });
  });

  it("is idempotent: running the job again for a ready export changes nothing", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    await buildExport(ctx, row.id);
    const again = await exportRow(ctx, row.id);
    expect(again).to.deep.include({ status: "ready", attempts: 1, sha256: row.sha256, path: row.path });
  });

  it("marks an export failed for staff, visibly, when the runner gives up; staff can retry it", async () => {
    const s = await scenario(ctx);
    exportBeforePublishHooks.push(async () => {
      throw Object.assign(new Error("no space"), { code: "ENOSPC" });
    });
    const queued = await queue(ctx, s.request.id, "access_zip");
    const runner = new JobRunner(ctx, jobDefinitions());
    for (let i = 0; i < 5; i++) {
      await runner.drain();
      ctx.clock.advance(60 * 60_000);
    }
    const failed = await exportRow(ctx, queued.id);
    expect(failed).to.deep.include({ status: "failed", attempts: 5, error: "publish_check_failed" });
    const [job] = await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `export:${queued.id}`));
    expect(job!.status).to.equal("failed");

    exportBeforePublishHooks.length = 0;
    await ctx.db.transaction((tx) => retryExport(tx, ctx, { exportId: queued.id, orgId: s.org.id, actor: { type: "staff", id: null, role: "dpo" } }));
    await runner.drain();
    expect((await exportRow(ctx, queued.id)).status).to.equal("ready");
  });

  it("lists exports for staff with their failure code, and for the requester with what can be downloaded", async () => {
    const s = await scenario(ctx);
    exportBeforePublishHooks.push(async () => {
      throw new Error("boom");
    });
    const failing = await queue(ctx, s.request.id, "export_json");
    await runJobs(ctx);
    exportBeforePublishHooks.length = 0;
    const { row: ready } = await buildNow(ctx, s.request.id, "access_zip");
    const { listRequestExports, downloadPath } = await import("../../src/requests/request-files.js");
    const list = await listRequestExports(ctx.db, { orgId: s.org.id, requestId: s.request.id, now: ctx.clock.now() });
    const byId = new Map(list.map((e) => [e.id, e]));
    expect(byId.get(failing.id)).to.deep.include({ status: "failed", error: "publish_check_failed", attempts: 1, downloadable: false });
    expect(byId.get(ready.id)).to.deep.include({ status: "ready", error: null, downloadable: true, maxDownloads: 5 });
    expect(downloadPath(s.request.reference, ready.id)).to.equal(`/requests/${s.request.reference}/download/${ready.id}`);
    const other = await listRequestExports(ctx.db, { orgId: crypto.randomUUID(), requestId: s.request.id, now: ctx.clock.now() });
    expect(other).to.deep.equal([]);
  });

  it("the hourly job removes files no export serves (crash leftovers), never a served file", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const dir = orgExportDir(ctx.config, s.org.id);
    fs.mkdirSync(dir, { recursive: true });
    // A crashed attempt's blob and one of a row that is gone, in the store; a spool file stays local on either engine.
    for (const name of [`${row.id}.7.zip`, `${crypto.randomUUID()}.1.zip`]) await plantBlob(ctx, s.org.id, name, "x");
    fs.writeFileSync(path.join(dir, `${row.id}.3.spool`), "x");
    fs.writeFileSync(path.join(dir, "unrelated.txt"), "kept");
    const { sweepOrphanFiles } = await import("../../src/exports/expire-exports.js");
    expect(await sweepOrphanFiles(ctx)).to.equal(0); // too young (the clock is months before the files' time)
    ctx.clock.set(new Date(Date.now() + 7 * 60 * 60_000));
    expect(await sweepOrphanFiles(ctx)).to.equal(3);
    expect(await storedBlobNames(ctx, s.org.id)).to.deep.equal(exportBlobStore(ctx).kind === "files" ? [path.basename(row.path!), "unrelated.txt"].sort() : [path.basename(row.path!)]);
    expect(fs.readdirSync(dir)).to.deep.equal(exportBlobStore(ctx).kind === "files" ? [path.basename(row.path!), "unrelated.txt"].sort() : ["unrelated.txt"]);
  });

  it("keeps memory bounded: messages are read a page at a time", async () => {
    const s = await scenario(ctx);
    const { appendMessages } = await import("../../src/chats/conversation-store.js");
    const many = Array.from({ length: 1234 }, (_, i) => ({ senderRole: "subject" as const, senderLabel: "me", body: `message ${i}`, sentAt: new Date(Date.UTC(2026, 1, 1, 11, 0, i)) }));
    await appendMessages(ctx.db, ctx.keys, s.first, many);
    const store = await import("../../src/exports/package-data.js");
    const pages: number[] = [];
    for await (const page of store.messagePages(ctx.db, ctx.keys, s.first, 500)) pages.push(page.length);
    expect(pages).to.deep.equal([500, 500, 239]);
    const defaults: number[] = [];
    for await (const page of store.messagePages(ctx.db, ctx.keys, s.first)) defaults.push(page.length);
    expect(defaults).to.deep.equal([store.MESSAGE_PAGE_SIZE, 1239 - store.MESSAGE_PAGE_SIZE]);
    const { row, file } = await buildNow(ctx, s.request.id, "export_json");
    const conv = JSON.parse((await unzip(file)).get("conversations/001-2026-02-01.json")!.toString("utf8"));
    expect(conv.messages).to.have.length(1239);
    expect(conv.messageCount).to.equal(1239);
    expect(conv.messages.map((m: { body: string }) => m.body).filter((b: string) => b.startsWith("message "))).to.have.length(1234);
    expect(row.status).to.equal("ready");
    const [none] = await ctx.db.select().from(exports).where(and(eq(exports.id, row.id), eq(exports.status, "failed")));
    expect(none).to.equal(undefined);
  });
});
