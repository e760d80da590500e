import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { auditLog, requestEvents, requests, subjects } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { makeRequest } from "./helpers.js";

describe("staff identity check (Art. 12(6)): a method from a list, never a document copy", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let app: ReturnType<typeof buildApp>;
  let dpo: Awaited<ReturnType<typeof makeStaff>>;
  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    dpo = await makeStaff(ctx, org.id, "dpo");
    app = buildApp(ctx);
  });
  const staffAgent = () => signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
  async function post(agent: Agent, path: string, form: Record<string, string>) {
    const token = await csrfFrom(agent, "/staff");
    return agent.post(path).type("form").send({ ...form, _csrf: token });
  }

  it("offers the control on the case page, records the method, raises the assurance, marks the subject and audits it", async () => {
    const subject = await makeSubject(ctx, org.id);
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", assurance: "email" });
    const agent = await staffAgent();
    const page = await agent.get(`/staff/requests/${r.id}`);
    expect(page.text).to.include(`action="/staff/requests/${r.id}/identity-check"`).and.include('value="call_back_known_number"');
    expect(page.text).to.not.include('type="file"');
    expect((await post(agent, `/staff/requests/${r.id}/identity-check`, { method: "call_back_known_number" })).status).to.equal(303);
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row).to.deep.include({ assurance: "staff_verified", identityCheckMethod: "call_back_known_number", identityCheckedBy: dpo.id });
    const [s] = await ctx.db.select().from(subjects).where(eq(subjects.id, subject.id));
    expect(s!.staffVerifiedAt).to.not.equal(null);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.identity_checked"));
    expect(entry!.details).to.deep.include({ method: "call_back_known_number", from: "email", to: "staff_verified", documentStored: false });
    expect(await ctx.db.select().from(requestEvents).where(eq(requestEvents.kind, "identity_verified"))).to.have.length(1);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
    const after = await agent.get(`/staff/requests/${r.id}`);
    expect(after.text).to.include("Called back on a number we already had for them").and.include("Verified by staff");
  });

  it("works for a receipt-code requester (no subject) and refuses a method not on the list, storing nothing", async () => {
    const conv = await makeConversation(ctx, org.id, {});
    const r = await makeRequest(ctx, org, { subjectId: null, status: "in_review", assurance: "receipt", scope: "chosen_conversations", conversationIds: [conv.id] });
    const agent = await staffAgent();
    const bad = await post(agent, `/staff/requests/${r.id}/identity-check`, { method: "passport_scan" });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include('id="field-checkIdentity-method-error"');
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.assurance).to.equal("receipt");
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "request.identity_checked"))).to.have.length(0);
    expect((await post(agent, `/staff/requests/${r.id}/identity-check`, { method: "details_only_they_know" })).status).to.equal(303);
    expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.assurance).to.equal("staff_verified");
  });
});
