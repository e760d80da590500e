import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { signedInAgent } from "../support/http.js";
import { freshExportsContext, runJobs, storedBlobBytes } from "../exports/helpers.js";
import { buildApp } from "../../src/app.js";
import { exports, jobs, outbox, requestEvents, requests } from "../../src/db/schema/index.js";
import { exportReadyHooks } from "../../src/exports/hooks.js";
import { registerExportHandover } from "../../src/fulfilment/export-handover.js";
import { readResult } from "../../src/requests/result.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { actorOf, insertRequest, postForm, releaseUnreviewed, snapshot, staffAgent, world, type World } from "./helpers.js";
import { releasePackage } from "../../src/fulfilment/package-review.js";
import { openedOutbox } from "../support/outbox.js";

describe("fulfilment: hand-over to exports", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;
  beforeEach(async () => {
    // Other suites empty the hook list between their tests; ours must be there.
    exportReadyHooks.length = 0;
    registerExportHandover();
    ctx = await freshExportsContext();
    w = await world(ctx);
  });
  afterEach(() => {
    exportReadyHooks.length = 0;
    registerExportHandover();
  });

  const kinds = [["access", "access_zip"], ["export", "export_json"], ["police_transcript", "police_pdf"]] as const;
  for (const [type, kind] of kinds) {
    it(`approving ${type} opens its review; releasing it queues ${kind} in the same transaction; the job runner completes the request with the export's id and code`, async () => {
      const app = buildApp(ctx);
      const scope = type === "police_transcript" ? "chosen_conversations" : "all_conversations";
      const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type, scope, conversationIds: scope === "chosen_conversations" ? [w.first.id] : [], status: "in_review" });
      const dpo = await staffAgent(ctx, app, w, w.dpo.id);
      expect((await postForm(dpo, `/staff/requests/${r.id}/approve`, { message: "" })).status).to.equal(303);
      expect(await ctx.db.select().from(exports).where(eq(exports.requestId, r.id)), "nothing is built before the review").to.have.length(0);
      await releasePackage(ctx, actorOf(w.dpo), r.id);

      let [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      expect(row!.status).to.equal("in_progress");
      const [queued] = await ctx.db.select().from(exports).where(eq(exports.requestId, r.id));
      expect(queued).to.deep.include({ kind, status: "pending" });
      expect(readResult(row!)!.export).to.deep.equal({ id: queued!.id, kind, verificationCode: null, readyAt: null });
      expect(await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `export:${queued!.id}`))).to.have.length(1);

      await runJobs(ctx);
      [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      const [built] = await ctx.db.select().from(exports).where(eq(exports.id, queued!.id));
      expect(built!.status).to.equal("ready");
      expect(row!.status).to.equal("completed");
      expect(row!.completedAt).to.be.instanceOf(Date);
      const result = readResult(row!)!;
      expect(result.export).to.deep.include({ id: built!.id, kind, verificationCode: built!.verificationCode });
      expect(result.export!.readyAt).to.be.a("string");
      const events = await ctx.db.select().from(requestEvents).where(eq(requestEvents.requestId, r.id));
      expect(events.map((e) => e.toStatus).filter(Boolean)).to.deep.equal(["approved", "in_progress", "completed"]);

      // "Your package is ready, sign in to download": no attachment, no link with a token.
      const [mail] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(and(eq(outbox.requestId, r.id), eq(outbox.template, "package_ready"))));
      expect(mail!.recipient).to.equal(w.secrets.email);
      expect(mail!.payload).to.deep.include({ reference: r.reference, requestUrl: `${ctx.config.BASE_URL}/requests/${r.reference}` });
      expect(JSON.stringify(mail!.payload)).to.not.match(/download|token|exports\//i);

      // The requester downloads it on the request page.
      const requester = await signedInAgent(ctx, app, { orgId: w.org.id, subjectId: w.subject.id, email: w.secrets.email, host: `${w.org.slug}.test` });
      const page = await requester.get(`/requests/${r.reference}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include(`/requests/${r.reference}/download/${built!.id}`);
    });
  }

  it("a failure in the ready transaction leaves the request in progress and nothing announced; the retry completes it", async () => {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "access", scope: "all_conversations", status: "approved" });
    await releaseUnreviewed(ctx, actorOf(w.dpo), r.id);
    let fail = true;
    exportReadyHooks.push(async () => {
      if (fail) throw new Error("crash after the hand-over hook, before commit");
    });
    const before = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    await runJobs(ctx);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row).to.deep.equal(before[0]);
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "package_ready")))).to.have.length(0);
    const [failed] = await ctx.db.select().from(exports).where(eq(exports.requestId, r.id));
    expect(failed!.status).to.equal("failed");

    fail = false;
    ctx.clock.advance(10 * 60_000);
    await runJobs(ctx);
    const [done] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(done!.status).to.equal("completed");
    expect(await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "package_ready")))).to.have.length(1);
    // A second ready export of the same request (e.g. staff rebuilt it) changes nothing more.
    const snap = await snapshot(ctx);
    const [hook] = exportReadyHooks;
    await ctx.db.transaction((tx) => hook!(tx, ctx, { ...failed!, status: "ready" }));
    expect(await snapshot(ctx)).to.deep.equal(snap);
  });

  it("an erasure withdraws the subject's ready packages and deletes their files", async () => {
    const access = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "access", scope: "all_conversations", status: "approved" });
    await releaseUnreviewed(ctx, actorOf(w.dpo), access.id);
    await runJobs(ctx);
    const [ready] = await ctx.db.select().from(exports).where(eq(exports.requestId, access.id));
    expect(ready!.status).to.equal("ready");
    expect(await storedBlobBytes(ctx, ready!.path!)).to.be.instanceOf(Buffer);

    const erasure = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id });
    const done = await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, erasure.id);
    expect(readResult(done)!.erasure!.exportsExpired).to.equal(1);
    const [expired] = await ctx.db.select().from(exports).where(eq(exports.id, ready!.id));
    expect(expired!.status).to.equal("expired");
    expect(expired!.sha256).to.equal(ready!.sha256); // /verify still recognizes what was handed out
    expect(await storedBlobBytes(ctx, ready!.path!)).to.equal(undefined);
  });
});
