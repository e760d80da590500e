import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog } from "../../src/db/schema/index.js";
import { appendAudit, recordAudit } from "../../src/platform/audit.js";
import { startOfLocalDay } from "../../src/audit/local-day.js";

describe("audit log views for the DPO", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let other: Awaited<ReturnType<typeof makeOrg>>;
  let dpo: Agent;
  let dpoId: string;
  let reviewerId: string;
  let subjectId: string;

  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    other = await makeOrg(ctx);
    app = buildApp(ctx);
    dpoId = (await makeStaff(ctx, org.id, "dpo", { name: "Dana Dpo" })).id;
    reviewerId = (await makeStaff(ctx, org.id, "reviewer", { name: "Riku Reviewer" })).id;
    subjectId = (await makeSubject(ctx, org.id)).id;
    dpo = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpoId, host: `${org.slug}.test` });
  });

  const staffActor = (id: string, role: string) => ({ type: "staff" as const, id, role });
  /** The actions listed in the page's table (not the hints around it). */
  const listed = (html: string) => [...html.matchAll(/<td><span class="code">([^<]+)<\/span><\/td>/g)].map((m) => m[1]!);

  async function seed() {
    // 2026-03-01 23:30 and 2026-03-02 00:30 in Helsinki (UTC+2): different local days.
    ctx.clock.set("2026-03-01T21:30:00Z");
    await recordAudit(ctx, { orgId: org.id, actor: staffActor(reviewerId, "reviewer"), action: "request.note_added", subjectId, details: { reference: "RD-AAAA-BBBB" } });
    ctx.clock.set("2026-03-01T22:30:00Z");
    await recordAudit(ctx, { orgId: org.id, actor: staffActor(dpoId, "dpo"), action: "conversation.viewed", subjectId, details: { purpose: "Checking scope" } });
    await recordAudit(ctx, { orgId: org.id, actor: { type: "system" }, action: "export.expired" });
    await recordAudit(ctx, { orgId: other.id, actor: { type: "system" }, action: "other.org.secret" });
  }

  it("shows only the organization's entries, with staff names for the DPO", async () => {
    await seed();
    const res = await dpo.get("/staff/audit");
    expect(res.status).to.equal(200);
    expect(listed(res.text)).to.deep.equal(["export.expired", "conversation.viewed", "request.note_added"]);
    expect(res.text).to.include("Riku Reviewer (reviewer)");
    expect(res.text).not.to.include("other.org.secret");
  });

  it("filters by actor, action (prefix), subject and local date", async () => {
    await seed();
    const show = async (query: string) => listed((await dpo.get(`/staff/audit?${query}`)).text);
    expect(await show(`actor=staff:${reviewerId}`)).to.deep.equal(["request.note_added"]);
    expect(await show("actor=system")).to.deep.equal(["export.expired"]);
    expect(await show("action=request.")).to.deep.equal(["request.note_added"]);
    expect(await show(`subjectId=${subjectId}`)).to.deep.equal(["conversation.viewed", "request.note_added"]);
    expect(await show("from=2026-03-02&to=2026-03-02")).to.deep.equal(["export.expired", "conversation.viewed"]);
    expect(await show("to=2026-03-01")).to.deep.equal(["request.note_added"]);
    expect(await show("actor=staff&action=conversation&from=2026-03-02")).to.deep.equal(["conversation.viewed"]);
  });

  it("bad filters are shown next to their fields", async () => {
    const res = await dpo.get("/staff/audit?from=2026-02-30&subjectId=nope&lang=sv");
    expect(res.status).to.equal(422);
    expect(res.text).to.include('id="field-from-error"').and.include('id="field-subjectId-error"');
    expect(res.text).to.include("Ange ett riktigt datum");
  });

  it("pages through with a keyset cursor: every entry once, newest first", async () => {
    await ctx.db.transaction(async (tx) => {
      for (let i = 0; i < 120; i++) await appendAudit(tx, ctx, { orgId: org.id, actor: { type: "system" }, action: `test.n${String(i).padStart(3, "0")}` });
    });
    const seen: string[] = [];
    let url: string | undefined = "/staff/audit?action=test.";
    let pages = 0;
    while (url) {
      const res = await dpo.get(url);
      pages += 1;
      seen.push(...[...res.text.matchAll(/test\.n(\d{3})/g)].map((m) => m[1]!));
      const next = /href="([^"]+)" rel="next"/.exec(res.text);
      url = next ? next[1]!.replace(/&amp;/g, "&") : undefined;
    }
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal(Array.from({ length: 120 }, (_, i) => String(119 - i).padStart(3, "0")));
  });

  it("exports the filtered entries as streamed JSON lines for a SIEM, and records the export", async () => {
    await ctx.db.transaction(async (tx) => {
      for (let i = 0; i < 1050; i++) await appendAudit(tx, ctx, { orgId: org.id, actor: { type: "system" }, action: "test.bulk", details: { i } });
    });
    await seed();
    const res = await dpo.get("/staff/audit/export.ndjson?action=test.").buffer(true).parse((r, cb) => {
      let text = "";
      r.on("data", (c: Buffer) => (text += c.toString("utf8")));
      r.on("end", () => cb(null, text));
    });
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^application\/x-ndjson/);
    expect(res.headers["transfer-encoding"]).to.equal("chunked");
    expect(res.headers["content-disposition"]).to.match(/attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.ndjson"/);
    const lines = (res.body as string).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.have.length(1050);
    expect(lines.map((l) => (l.details as { i: number }).i)).to.deep.equal(Array.from({ length: 1050 }, (_, i) => i));
    expect(lines[0]).to.have.all.keys("seq", "chain", "chainSeq", "at", "orgId", "actorType", "actorId", "actorRole", "action", "targetType", "targetId", "subjectId", "ipPseudonym", "details", "prevHash", "hash");
    expect(lines.every((l) => l.orgId === org.id)).to.equal(true);
    const [exported] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "audit.exported"));
    expect(exported!.actorId).to.equal(dpoId);
    expect(exported!.details).to.deep.equal({ filters: "action=test." });
  });

  it("one entry in detail; another organization's is not found", async () => {
    await seed();
    const [mine] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "conversation.viewed"));
    const [theirs] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "other.org.secret"));
    const res = await dpo.get(`/staff/audit/entries/${mine!.seq}`);
    expect(res.status).to.equal(200);
    expect(res.text).to.include("Checking scope").and.include(mine!.hash);
    expect((await dpo.get(`/staff/audit/entries/${theirs!.seq}`)).status).to.equal(404);
    expect((await dpo.get("/staff/audit/entries/999999")).status).to.equal(404);
    expect((await dpo.get("/staff/audit/entries/abc")).status).to.equal(404);
  });

  it("local days start at local midnight, also across daylight saving time", () => {
    expect(startOfLocalDay("2026-03-02", "Europe/Helsinki").toISOString()).to.equal("2026-03-01T22:00:00.000Z");
    expect(startOfLocalDay("2026-07-01", "Europe/Helsinki").toISOString()).to.equal("2026-06-30T21:00:00.000Z");
    expect(startOfLocalDay("2026-03-29", "Europe/Amsterdam").toISOString()).to.equal("2026-03-28T23:00:00.000Z");
    expect(startOfLocalDay("2026-03-30", "Europe/Amsterdam").toISOString()).to.equal("2026-03-29T22:00:00.000Z");
  });
});
