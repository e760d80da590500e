import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject, TEST_PASSWORD } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { requestMessages, requests, sessions, staffUsers } from "../../src/db/schema/index.js";
import type { Browser } from "../identity/helpers.js";
import { makeRequest, staffBrowser } from "./helpers.js";
import { threadOf } from "../support/request-texts.js";
import { openedRequest } from "../support/request-texts.js";

/** The fields of the first POST form on a page whose action is `action`, as a browser would send them. */
function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  expect(start, `a form posting to ${action}`).to.be.greaterThan(-1);
  const form = html.slice(start, html.indexOf("</form>", start));
  const unescape = (v: string) => v.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]!] = unescape(m[2]!);
  for (const m of form.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[m[1]!] = unescape(m[2]!);
  return fields;
}

describe("staff re-authentication keeps the refused form", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let app: ReturnType<typeof buildApp>;

  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    app = buildApp(ctx);
  });

  async function staleBrowser(staffId: string): Promise<Browser> {
    const b = await staffBrowser(ctx, app, org, staffId);
    ctx.clock.advance(11 * 60_000); // the last password check is now too old for a destructive action
    return b;
  }

  it("keeps a rejection typed by hand server-side, and after the password re-sends it with one click", async () => {
    const subject = await makeSubject(ctx, org.id);
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const b = await staleBrowser(dpo.id);
    await b.get(`/staff/requests/${r.id}`);
    const oldToken = b.lastCsrf;
    const typed = { legalGround: "manifestly_unfounded_or_excessive", reason: "Fifth identical request this month.", message: 'Hello,\n\nwe refuse this <because> "reasons".\n\nTukilinja' };
    let res = await b.post(`/staff/requests/${r.id}/reject`, typed);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/staff/reauth?next=${encodeURIComponent("/staff/reauth/resume")}`);
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.status).to.equal("in_review");

    // Kept in the session row, without the CSRF token; never in the browser or a URL.
    const [s] = await ctx.db.select().from(sessions).where(eq(sessions.staffId, dpo.id));
    const kept = (s!.draft as { reauthForm: { action: string; fields: Record<string, string> } }).reauthForm;
    expect(kept.action).to.equal(`/staff/requests/${r.id}/reject`);
    expect(kept.fields).to.deep.equal(typed);
    expect(JSON.stringify(res.headers)).to.not.include("Fifth identical");

    const reauth = await b.get(res.headers.location as string);
    expect(reauth.text).to.include("What you filled in is kept.");
    expect((await b.post("/staff/reauth", { password: "wrong", next: "/staff/reauth/resume" })).status).to.equal(422);
    res = await b.post("/staff/reauth", { password: TEST_PASSWORD, next: "/staff/reauth/resume" });
    expect(res.headers.location).to.equal("/staff/reauth/resume");

    const resume = await b.get("/staff/reauth/resume");
    expect(resume.status).to.equal(200);
    expect(resume.text).to.include("reject the request").and.include("Manifestly unfounded or excessive");
    const fields = formFields(resume.text, `/staff/requests/${r.id}/reject`);
    expect(fields._csrf).to.be.a("string").and.not.equal("");
    expect(oldToken).to.be.a("string");
    const { _csrf: _token, ...resent } = fields;
    expect(resent).to.deep.equal(typed);

    // One click: the form as the page holds it, which leads to the refusal as it will be read; sent from there.
    res = await b.post(`/staff/requests/${r.id}/reject`, fields);
    expect(res.status).to.equal(200);
    expect(res.text).to.include('class="warning-text"');
    res = await b.post(`/staff/requests/${r.id}/reject`, formFields(res.text, `/staff/requests/${r.id}/reject`));
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/staff/requests/${r.id}?done=rejected`);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("rejected");
    expect((await openedRequest(ctx, r.id)).decisionReason).to.equal(typed.reason);
    const [msg] = await threadOf(ctx, r.id);
    expect(msg!.body).to.include('we refuse this <because> "reasons".');
    const [after] = await ctx.db.select().from(sessions).where(eq(sessions.staffId, dpo.id));
    expect(after!.draft ?? {}).to.not.have.property("reauthForm");
    expect((await b.get("/staff/reauth/resume")).text).to.include("There is no form waiting to be sent.");
  });

  it("does the same for an admin's invitation, and forgets a kept form after 30 minutes", async () => {
    const admin = await makeStaff(ctx, org.id, "admin");
    const b = await staleBrowser(admin.id);
    await b.get("/staff/admin/staff");
    let res = await b.post("/staff/admin/staff/invite", { name: "Kept Person", email: "kept@example.test", role: "reviewer", locale: "sv" });
    expect(res.headers.location).to.match(/^\/staff\/reauth\?next=/);
    expect(await ctx.db.select().from(staffUsers).where(eq(staffUsers.email, "kept@example.test"))).to.have.length(0);
    await b.get("/staff/reauth");
    await b.post("/staff/reauth", { password: TEST_PASSWORD, next: "/staff/reauth/resume" });
    const resume = await b.get("/staff/reauth/resume");
    expect(resume.text).to.include("invite a staff member").and.include("Svenska");
    const fields = formFields(resume.text, "/staff/admin/staff/invite");
    expect(fields).to.deep.include({ name: "Kept Person", email: "kept@example.test", role: "reviewer", locale: "sv" });
    res = await b.post("/staff/admin/staff/invite", fields);
    expect(res.headers.location).to.equal("/staff/admin/staff?done=invited");
    expect(await ctx.db.select().from(staffUsers).where(eq(staffUsers.email, "kept@example.test"))).to.have.length(1);

    // A stale kept form is not offered again.
    ctx.clock.advance(11 * 60_000);
    await b.get("/staff/admin/staff");
    await b.post("/staff/admin/staff/invite", { name: "Too Late", email: "late@example.test", role: "reviewer", locale: "" });
    ctx.clock.advance(20 * 60_000);
    expect((await b.get("/staff/reauth/resume")).headers.location).to.match(/^\/staff\/reauth\?next=/); // still kept
    ctx.clock.advance(11 * 60_000);
    const stale = await b.get("/staff/reauth/resume");
    expect(stale.status).to.equal(200);
    expect(stale.text).to.include("There is no form waiting to be sent.");
  });
});
