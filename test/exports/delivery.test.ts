import { expect } from "chai";
import request from "supertest";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeConversation, makeSubject } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog } from "../../src/db/schema/index.js";
import { expireExports } from "../../src/exports/expire-exports.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { buildNow, exportRow, insertRequest, queue, scenario, sha256, storedBlobBytes, freshExportsContext } from "./helpers.js";

const DAY = 86_400_000;

function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

describe("exports: delivery", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });

  it("streams the file to the signed-in owner as an attachment, counts it and audits it", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const app = buildApp(ctx);
    const agent = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id });
    const res = await agent.get(`/requests/${s.request.reference}/download/${row.id}`).buffer(true).parse(binary).expect(200);
    expect(res.headers["content-type"]).to.equal("application/zip");
    expect(res.headers["content-disposition"]).to.equal(`attachment; filename=${s.request.reference}-access.zip`);
    expect(res.headers["cache-control"]).to.equal("no-store");
    expect(sha256(res.body as Buffer)).to.equal(row.sha256);
    expect((await exportRow(ctx, row.id)).downloadCount).to.equal(1);

    const entries = await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, "export.downloaded"), eq(auditLog.targetId, row.id)));
    expect(entries).to.have.length(1);
    expect(entries[0]!.subjectId).to.equal(s.subject.id);
    expect(entries[0]!.details).to.deep.include({ download: 1, of: 5, kind: "access_zip" });
    expect(entries[0]!.ipPseudonym).to.match(/^ip:/);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("is refused to anyone else: another requester, a signed-out visitor, a wrong reference", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const other = await makeSubject(ctx, s.org.id);
    const app = buildApp(ctx);
    const url = `/requests/${s.request.reference}/download/${row.id}`;

    const signedOut = await request(app).get(url).expect(303);
    expect(signedOut.headers.location).to.match(/^\/sign-in\?next=/);
    const stranger = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: other.id });
    await stranger.get(url).expect(404);
    const owner = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id });
    const otherRequest = await insertRequest(ctx, { orgId: s.org.id, subjectId: other.id });
    await owner.get(`/requests/${otherRequest.reference}/download/${row.id}`).expect(404);
    await owner.get(`/requests/${s.request.reference}/download/not-a-uuid`).expect(404);
    expect((await exportRow(ctx, row.id)).downloadCount).to.equal(0);
  });

  it("lets a receipt-code requester download the export of their one conversation", async () => {
    const s = await scenario(ctx);
    const anon = await makeConversation(ctx, s.org.id, { messages: [{ body: "anonymous" }] });
    const receiptRequest = await insertRequest(ctx, { orgId: s.org.id, receiptConversationId: anon.id, type: "police_transcript", scope: "all_conversations" });
    const { row } = await buildNow(ctx, receiptRequest.id, "police_pdf");
    const app = buildApp(ctx);
    const agent = await signedInAgent(ctx, app, { orgId: s.org.id, conversationId: anon.id, assurance: "receipt" });
    const res = await agent.get(`/requests/${receiptRequest.reference}/download/${row.id}`).buffer(true).parse(binary).expect(200);
    expect(res.headers["content-type"]).to.equal("application/pdf");
    expect(sha256(res.body as Buffer)).to.equal(row.sha256);
    const someoneElse = await signedInAgent(ctx, app, { orgId: s.org.id, conversationId: s.first.id, assurance: "receipt" });
    await someoneElse.get(`/requests/${receiptRequest.reference}/download/${row.id}`).expect(404);
  });

  it("answers HEAD with the download's headers only: not counted, not audited, no body", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const app = buildApp(ctx);
    const agent = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id });
    const url = `/requests/${s.request.reference}/download/${row.id}`;
    for (let i = 0; i < 6; i++) {
      const head = await agent.head(url).expect(200);
      expect(head.headers["content-length"]).to.equal(String(row.sizeBytes));
      expect(head.headers["content-disposition"]).to.equal(`attachment; filename=${s.request.reference}-access.zip`);
      expect(head.headers["cache-control"]).to.equal("no-store");
      expect(head.text ?? "").to.equal("");
    }
    expect((await exportRow(ctx, row.id)).downloadCount).to.equal(0);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.downloaded"))).to.have.length(0);
    // The real downloads are all still there.
    for (let i = 0; i < 5; i++) await agent.get(url).expect(200);
    await agent.head(url).expect(410);
    expect((await exportRow(ctx, row.id)).downloadCount).to.equal(5);
    // Someone else's HEAD learns nothing more than their GET would.
    const stranger = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: (await makeSubject(ctx, s.org.id)).id });
    await stranger.head(url).expect(404);
  });

  it("limits the number of downloads", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "export_json");
    const app = buildApp(ctx);
    const agent = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id });
    const url = `/requests/${s.request.reference}/download/${row.id}`;
    for (let i = 0; i < 5; i++) await agent.get(url).expect(200);
    const refused = await agent.get(url).expect(410);
    expect(refused.text).to.include("already been downloaded 5 times");
    expect((await exportRow(ctx, row.id)).downloadCount).to.equal(5);
    // The hourly job then deletes the file of a used-up export.
    expect(await expireExports(ctx)).to.equal(1);
    const after = await exportRow(ctx, row.id);
    expect(after.status).to.equal("expired");
    expect(await storedBlobBytes(ctx, row.path!)).to.equal(undefined);
  });

  it("expires after 7 days: refused, then marked expired and deleted by the job", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const app = buildApp(ctx);

    ctx.clock.advance(7 * DAY - 60_000);
    expect(await expireExports(ctx)).to.equal(0);
    await (await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id })).get(`/requests/${s.request.reference}/download/${row.id}`).expect(200);

    ctx.clock.advance(2 * 60_000);
    const agent = await signedInAgent(ctx, app, { orgId: s.org.id, subjectId: s.subject.id });
    const refused = await agent.get(`/requests/${s.request.reference}/download/${row.id}`).expect(410);
    expect(refused.text).to.include("The time to download this file has ended");
    expect(await storedBlobBytes(ctx, row.path!)).to.be.instanceOf(Buffer);

    expect(await expireExports(ctx)).to.equal(1);
    expect((await exportRow(ctx, row.id)).status).to.equal("expired");
    expect(await storedBlobBytes(ctx, row.path!)).to.equal(undefined);
    const audited = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.expired"));
    expect(audited).to.have.length(1);
    await agent.get(`/requests/${s.request.reference}/download/${row.id}`).expect(410);
  });

  it("runs the expiry as the hourly 'exports.expire' job", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const { JobRunner } = await import("../../src/platform/jobs.js");
    const { jobDefinitions } = await import("../../src/jobs.js");
    const def = jobDefinitions().find((d) => d.name === "exports.expire");
    expect(def?.everyMs).to.equal(60 * 60_000);
    ctx.clock.advance(8 * DAY);
    await new JobRunner(ctx, [def!]).tick();
    expect((await exportRow(ctx, row.id)).status).to.equal("expired");
  });

  it("says the file is still being prepared while it is being built", async () => {
    const s = await scenario(ctx);
    const queued = await queue(ctx, s.request.id, "access_zip");
    const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: s.org.id, subjectId: s.subject.id });
    const res = await agent.get(`/requests/${s.request.reference}/download/${queued.id}`).expect(409);
    expect(res.text).to.include("Your file is still being prepared");
  });
});
