import { expect } from "chai";
import request from "supertest";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { makeRequest } from "../staff/helpers.js";
import { buildApp } from "../../src/app.js";
import { recipients, recipientTasks, requests } from "../../src/db/schema/index.js";
import { viewTranscript } from "../../src/staff/view-transcript.js";
import { recordAudit } from "../../src/platform/audit.js";
import type { StaffActor } from "../../src/platform/policy.js";

describe("who has seen my data (requester page)", () => {
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let dpo: StaffActor;
  let reviewer: StaffActor;

  const asActor = (s: Awaited<ReturnType<typeof makeStaff>>): StaffActor => ({ type: "staff", id: s.id, orgId: s.orgId, role: s.role, name: s.name, email: s.email });

  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
    app = buildApp(ctx);
    dpo = asActor(await makeStaff(ctx, org.id, "dpo", { name: "Dana Secretname" }));
    reviewer = asActor(await makeStaff(ctx, org.id, "reviewer", { name: "Riku Hiddenname" }));
  });

  it("an account holder sees each staff access (role, date, purpose; no names) and each recipient told", async () => {
    const me = await makeSubject(ctx, org.id);
    const someoneElse = await makeSubject(ctx, org.id);
    const myChat = await makeConversation(ctx, org.id, { subjectId: me.id });
    const theirChat = await makeConversation(ctx, org.id, { subjectId: someoneElse.id });
    const mine = await makeRequest(ctx, org, { subjectId: me.id, status: "in_review" });
    const theirs = await makeRequest(ctx, org, { subjectId: someoneElse.id, status: "in_review" });
    await viewTranscript(ctx, dpo, mine, myChat, "Checking which chats the request covers");
    await viewTranscript(ctx, dpo, theirs, theirChat, "Someone else's reason");
    await recordAudit(ctx, { orgId: org.id, actor: reviewer, action: "request.note_added", target: { type: "request", id: mine.id }, subjectId: me.id, details: { reference: mine.reference } });
    // The person's own actions and system events are not staff accesses.
    await recordAudit(ctx, { orgId: org.id, actor: { type: "subject", id: me.id }, action: "request.submitted", subjectId: me.id });
    const [platform] = await ctx.db.insert(recipients).values({ orgId: org.id, name: "Chat Platform Oy" }).returning();
    await ctx.db.insert(recipientTasks).values({ requestId: mine.id, recipientId: platform!.id, action: "erasure", status: "confirmed", confirmedAt: ctx.clock.now() });
    await ctx.db.insert(recipientTasks).values({ requestId: theirs.id, recipientId: platform!.id, action: "rectification" });

    const agent = await signedInAgent(ctx, app, { orgId: org.id, subjectId: me.id, host: `${org.slug}.test` });
    const res = await agent.get("/my-data/who-has-seen");
    expect(res.status).to.equal(200);
    expect(res.headers["cache-control"]).to.include("no-store");
    const text = res.text;
    expect(text).to.include("Our data protection officer").and.include("Read your chat").and.include("Checking which chats the request covers");
    expect(text).to.include("Someone who handles requests").and.include("Wrote an internal note about your request");
    expect(text).to.include(mine.reference);
    expect(text).to.include("Chat Platform Oy").and.include("To delete your data").and.include("Confirmed");
    // Never names, never someone else's accesses or recipients.
    for (const secret of ["Secretname", "Hiddenname", "Someone else&#39;s reason", theirs.reference, "To correct your data"]) expect(text).not.to.include(secret);
    // One card per access and per recipient told (no table to scroll sideways on a phone).
    expect(text).to.not.include("<table");
    expect((text.match(/class="summary-card access"/g) ?? []).length).to.equal(2);
    expect((text.match(/class="summary-card recipient"/g) ?? []).length).to.equal(1);
  });

  it("in plain language, in the requester's own language", async () => {
    const me = await makeSubject(ctx, org.id);
    const chat = await makeConversation(ctx, org.id, { subjectId: me.id });
    const r = await makeRequest(ctx, org, { subjectId: me.id, status: "in_review" });
    await viewTranscript(ctx, dpo, r, chat, "Tarkistan pyynnön laajuuden");
    const agent = await signedInAgent(ctx, app, { orgId: org.id, subjectId: me.id, host: `${org.slug}.test` });
    const res = await agent.get("/my-data/who-has-seen?lang=fi");
    expect(res.text).to.include("Kuka on nähnyt tietojani").and.include("Tietosuojavastaavamme").and.include("Luki keskustelusi");
  });

  it("a receipt-code requester sees accesses to their one conversation and their requests about it", async () => {
    const owner = await makeSubject(ctx, org.id);
    const receiptChat = await makeConversation(ctx, org.id);
    const otherChat = await makeConversation(ctx, org.id, { subjectId: owner.id });
    const r = await makeRequest(ctx, org, { status: "in_review", scope: "chosen_conversations", conversationIds: [receiptChat.id] });
    await ctx.db.update(requests).set({ receiptConversationId: receiptChat.id }).where(eq(requests.id, r.id));
    const other = await makeRequest(ctx, org, { subjectId: owner.id, status: "in_review" });
    await viewTranscript(ctx, dpo, { ...r, receiptConversationId: receiptChat.id }, receiptChat, "Reading the proved chat");
    await viewTranscript(ctx, dpo, other, otherChat, "Not about this chat");
    await recordAudit(ctx, { orgId: org.id, actor: reviewer, action: "request.assigned", target: { type: "request", id: r.id }, details: { reference: r.reference } });

    const agent = await signedInAgent(ctx, app, { orgId: org.id, subjectId: null, conversationId: receiptChat.id, assurance: "receipt", host: `${org.slug}.test` });
    const res = await agent.get("/my-data/who-has-seen");
    expect(res.status).to.equal(200);
    expect(res.text).to.include("Reading the proved chat").and.include("Took on your request");
    expect(res.text).not.to.include("Not about this chat");
    expect(res.text).to.include("the chat you signed in with");
  });

  it("needs a signed-in requester; staff sessions and visitors go to sign-in", async () => {
    const anonymous = await request(app).get("/my-data/who-has-seen").set("Host", `${org.slug}.test`);
    expect(anonymous.status).to.equal(303);
    expect(anonymous.headers.location).to.match(/^\/sign-in\?next=/);
    const staff = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    expect((await staff.get("/my-data/who-has-seen")).status).to.equal(303);
  });

  it("the requests page links to it", async () => {
    const me = await makeSubject(ctx, org.id);
    const agent = await signedInAgent(ctx, app, { orgId: org.id, subjectId: me.id, host: `${org.slug}.test` });
    const res = await agent.get("/requests");
    expect(res.text).to.include('href="/my-data/who-has-seen"');
  });
});
