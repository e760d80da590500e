import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { auditLog, requestMessages, requests } from "../../src/db/schema/index.js";
import { buildApp } from "../../src/app.js";
import { makeRequest, staffBrowser } from "./helpers.js";
import { addMessages } from "../support/request-texts.js";

/** The references shown in the queue's table, in order. */
const referencesOf = (html: string) => [...html.matchAll(/class="reference" href="\/staff\/requests\/[^"]+">([^<]+)</g)].map((m) => m[1]);

describe("review queue: search, filters, sorting, counts, tags and assigning several at once", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let other: Awaited<ReturnType<typeof makeOrg>>;
  let many: Awaited<ReturnType<typeof makeOrg>>;
  let dpo: Awaited<ReturnType<typeof makeStaff>>;
  let secondDpo: Awaited<ReturnType<typeof makeStaff>>;
  let reviewer: Awaited<ReturnType<typeof makeStaff>>;
  let alice: Awaited<ReturnType<typeof makeSubject>>;
  const rows: Record<string, Awaited<ReturnType<typeof makeRequest>>> = {};

  before(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx, { slug: "queue-a" });
    other = await makeOrg(ctx, { slug: "queue-b" });
    many = await makeOrg(ctx, { slug: "queue-many" });
    dpo = await makeStaff(ctx, org.id, "dpo", { name: "Dana DPO" });
    secondDpo = await makeStaff(ctx, org.id, "dpo", { name: "Sami Second" });
    reviewer = await makeStaff(ctx, org.id, "reviewer", { name: "Rea Reviewer" });
    alice = await makeSubject(ctx, org.id, { email: "alice@example.test" });
    const bob = await makeSubject(ctx, org.id, { email: "bob@example.test" });
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 10));
    rows.oldest = await makeRequest(ctx, org, { subjectId: alice.id, receivedAt: day(2), status: "in_review" });
    rows.message = await makeRequest(ctx, org, { subjectId: bob.id, receivedAt: day(5), status: "awaiting_requester" });
    rows.erasure = await makeRequest(ctx, org, { subjectId: bob.id, receivedAt: day(9), status: "approved", type: "erasure", erasureApprovedBy: dpo.id });
    rows.urgent = await makeRequest(ctx, org, { subjectId: alice.id, receivedAt: day(12), status: "submitted" });
    rows.closed = await makeRequest(ctx, org, { subjectId: alice.id, receivedAt: day(1), status: "completed" });
    rows.elsewhere = await makeRequest(ctx, other, { receivedAt: day(3), status: "submitted" });
    await ctx.db.update(requests).set({ assigneeId: dpo.id }).where(eq(requests.id, rows.oldest.id));
    await ctx.db.update(requests).set({ assigneeId: dpo.id }).where(eq(requests.id, rows.message.id));
    await ctx.db.update(requests).set({ neededBy: "2026-12-10" }).where(eq(requests.id, rows.urgent.id));
    await addMessages(ctx, [
      { requestId: rows.message.id, authorType: "staff", authorId: dpo.id, body: "Which chats do you mean?", createdAt: day(6) },
      { requestId: rows.message.id, authorType: "requester", body: "The ones from October.", createdAt: day(7) },
      { requestId: rows.oldest.id, authorType: "requester", body: "Hello", createdAt: day(3) },
      { requestId: rows.oldest.id, authorType: "staff", authorId: dpo.id, body: "Hello, we are on it", createdAt: day(4) },
    ]);
    app = buildApp(ctx);
  });

  it("lists open requests earliest due first, with counts and the tags of what each waits for", async () => {
    const b = await staffBrowser(ctx, app, org, secondDpo.id);
    const res = await b.get("/staff?lang=en");
    expect(res.status).to.equal(200);
    expect(referencesOf(res.text)).to.deep.equal([rows.oldest, rows.message, rows.erasure, rows.urgent].map((r) => r!.reference));
    expect(res.text).to.include("Requests found: 4");
    // One new message (the requester wrote last), one erasure for a second DPO, one urgent.
    expect(res.text.match(/New message from the requester/g)).to.have.length(1);
    expect(res.text.match(/tag tag-soon">Waiting for a second DPO/g)).to.have.length(1);
    expect(res.text).to.include("Requester needs it by");
    // The requester is spoken of in the third person on staff pages.
    expect(res.text).to.include("A copy of their data").and.not.include("A copy of my data");
  });

  it("finds a request by its exact reference or its requester's exact e-mail, never by part or in another organization", async () => {
    const b = await staffBrowser(ctx, app, org, dpo.id);
    expect(referencesOf((await b.get(`/staff?q=${rows.urgent!.reference.toLowerCase()}`)).text)).to.deep.equal([rows.urgent!.reference]);
    expect(referencesOf((await b.get("/staff?q=ALICE%40example.test")).text)).to.deep.equal([rows.oldest!.reference, rows.urgent!.reference]);
    expect(referencesOf((await b.get("/staff?q=alice")).text)).to.deep.equal([]);
    expect(referencesOf((await b.get("/staff?q=example.test")).text)).to.deep.equal([]);
    expect(referencesOf((await b.get(`/staff?q=${rows.elsewhere!.reference}`)).text)).to.deep.equal([]);
    expect(referencesOf((await b.get("/staff?q=alice%40example.test&status=all")).text)).to.include(rows.closed!.reference);
  });

  it("filters by assignee and by what needs my action, and sorts by either date both ways", async () => {
    const dana = await staffBrowser(ctx, app, org, dpo.id);
    expect(referencesOf((await dana.get("/staff?assignee=none")).text)).to.deep.equal([rows.erasure!.reference, rows.urgent!.reference]);
    expect(referencesOf((await dana.get(`/staff?assignee=${dpo.id}`)).text)).to.deep.equal([rows.oldest!.reference, rows.message!.reference]);
    // Dana: her request in review and the unanswered message; not the erasure she approved herself.
    expect(referencesOf((await dana.get("/staff?action=1")).text)).to.deep.equal([rows.oldest!.reference, rows.message!.reference]);
    // Sami: only the erasure waiting for a second DPO.
    const sami = await staffBrowser(ctx, app, org, secondDpo.id);
    const samis = await sami.get("/staff?action=1");
    expect(referencesOf(samis.text)).to.deep.equal([rows.erasure!.reference]);
    expect(samis.text).to.match(/Needs my action <span class="count">1</);
    const latest = await dana.get("/staff?sort=-received");
    expect(referencesOf(latest.text)).to.deep.equal([rows.urgent, rows.erasure, rows.message, rows.oldest].map((r) => r!.reference));
    expect(latest.text).to.include('aria-sort="descending"');
  });

  it("pages by keyset in every sort order without repeating or skipping a row", async () => {
    const member = await makeStaff(ctx, many.id, "dpo");
    for (let i = 0; i < 53; i++) await makeRequest(ctx, many, { receivedAt: new Date(Date.UTC(2026, 9, 1 + (i % 28), i)), status: "submitted" });
    const b = await staffBrowser(ctx, app, many, member.id);
    for (const sort of ["", "-due", "received", "-received"]) {
      const first = await b.get(`/staff${sort ? `?sort=${sort}` : ""}`);
      const next = /href="([^"]+)" rel="next"/.exec(first.text)?.[1]?.replace(/&amp;/g, "&");
      expect(next, sort).to.be.a("string");
      const second = await b.get(next!);
      const all = [...referencesOf(first.text), ...referencesOf(second.text)];
      expect(all, sort).to.have.length(53);
      expect(new Set(all).size, sort).to.equal(53);
    }
  });

  it("assigns several picked requests at once, each audited, and says how many", async () => {
    const b = await staffBrowser(ctx, app, org, reviewer.id);
    await b.get("/staff?assignee=none");
    const res = await b.post("/staff/requests/assign", { ids: [rows.erasure!.id, rows.urgent!.id], assigneeId: reviewer.id, returnTo: "/staff?assignee=none" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff?assignee=none&assigned=2");
    const page = await b.get(res.headers.location!);
    expect(page.text).to.include("Requests assigned: 2.");
    for (const r of [rows.erasure!, rows.urgent!]) {
      const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      expect(row!.assigneeId).to.equal(reviewer.id);
    }
    const audited = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.assigned"));
    expect(audited.map((a) => a.targetId).sort()).to.include.members([rows.erasure!.id, rows.urgent!.id]);
  });

  it("assigns none when one picked request is another organization's, and refuses an empty pick next to the field", async () => {
    const b = await staffBrowser(ctx, app, org, dpo.id);
    await b.get("/staff");
    const res = await b.post("/staff/requests/assign", { ids: [rows.oldest!.id, rows.elsewhere!.id], assigneeId: secondDpo.id });
    expect(res.status).to.equal(404);
    const [kept] = await ctx.db.select().from(requests).where(eq(requests.id, rows.oldest!.id));
    expect(kept!.assigneeId).to.equal(dpo.id);
    const empty = await b.post("/staff/requests/assign", { assigneeId: secondDpo.id, returnTo: "/staff?sort=-due" });
    expect(empty.status).to.equal(422);
    expect(empty.text).to.include("Pick at least one request").and.include('href="#field-ids"');
    expect(empty.text).to.include('aria-sort="descending"');
  });
});
