import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { and, asc, eq, isNotNull } from "drizzle-orm";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, TEST_PASSWORD } from "../support/factories.js";
import { signedInAgent } from "../support/http.js";
import { staffBrowser } from "../staff/helpers.js";
import { orgWithToken } from "../chats/helpers.js";
import { contextWithSmtp, deliverMail, TestSmtpServer } from "../identity/helpers.js";
import { buildApp } from "../../src/app.js";
import { auditLog, conversations, organizations, sessions } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { createConversation } from "../../src/chats/conversation-store.js";
import { importNdjson } from "../../src/chats/import-ndjson.js";
import { queueMail } from "../../src/mail/queue-mail.js";

type Org = Awaited<ReturnType<typeof makeOrg>>;

const about = (over: Record<string, string> = {}) => ({
  "purposes.fi": "Vastaamme keskusteluihin\nTuemme nuoria", "purposes.en": "We answer chats\nWe support young people",
  "legalBases.fi": "Yleinen etu", "legalBases.en": "Public interest",
  "categories.fi": "Viestit", "categories.en": "Messages",
  "source.fi": "Sinulta", "source.en": "From you",
  ...over,
});

describe("organization settings: admin only, re-authenticated, every change audited with old and new values", () => {
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let org: Org;
  let adminId: string;
  const orgRow = async () => (await ctx.db.select().from(organizations).where(eq(organizations.id, org.id)))[0]!;
  const changes = () => ctx.db.select().from(auditLog).where(eq(auditLog.action, "organization.settings_changed")).orderBy(asc(auditLog.seq));
  const admin = () => staffBrowser(ctx, app, org, adminId);

  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx, { slug: "settings", name: "Nuorten Apu", locales: ["fi", "en"], defaultLocale: "fi" }, { ready: false });
    adminId = (await makeStaff(ctx, org.id, "admin")).id;
    app = buildApp(ctx);
  });

  it("saves a section, then only what changed, each time with an audit entry holding old and new values", async () => {
    const a = await admin();
    await a.get("/staff/admin/settings/about");
    let res = await a.post("/staff/admin/settings/about", about());
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/admin?saved=about");
    const saved = await orgRow();
    expect(saved.privacyInfo).to.deep.include({ purposes: { fi: "Vastaamme keskusteluihin\nTuemme nuoria", en: "We answer chats\nWe support young people" }, legalBases: { fi: "Yleinen etu", en: "Public interest" } });
    let [entry] = await changes();
    expect(entry!.actorId).to.equal(adminId);
    expect(entry!.details).to.deep.include({ section: "about" });
    expect((entry!.details.old as Record<string, unknown>).purposes).to.deep.equal({});
    expect((entry!.details.new as Record<string, unknown>).source).to.deep.equal({ fi: "Sinulta", en: "From you" });

    await a.get("/staff/admin/settings/about");
    res = await a.post("/staff/admin/settings/about", about({ "source.en": "From you, in the chats" }));
    expect(res.status).to.equal(303);
    entry = (await changes())[1];
    expect(entry!.details).to.deep.equal({
      section: "about",
      old: { source: { fi: "Sinulta", en: "From you" } },
      new: { source: { fi: "Sinulta", en: "From you, in the chats" } },
    });

    // The same form again changes nothing and records nothing.
    await a.get("/staff/admin/settings/about");
    await a.post("/staff/admin/settings/about", about({ "source.en": "From you, in the chats" }));
    expect(await changes()).to.have.length(2);

    await a.get("/staff/admin/settings/contacts");
    res = await a.post("/staff/admin/settings/contacts", { dpoEmail: "Tietosuoja@NuortenApu.example", authorityCountry: "SE" });
    expect(res.status).to.equal(303);
    expect(await orgRow()).to.include({ dpoEmail: "tietosuoja@nuortenapu.example", authorityCountry: "SE" });
    expect((await changes())[2]!.details).to.deep.equal({ section: "contacts", old: { dpoEmail: null, authorityCountry: "FI" }, new: { dpoEmail: "tietosuoja@nuortenapu.example", authorityCountry: "SE" } });

    const overview = await a.get("/staff/admin/settings?lang=en");
    expect(overview.status).to.equal(200);
    expect(overview.text).to.include("We answer chats").and.include("Integritetsskyddsmyndigheten");
    expect(overview.text).to.include('href="/staff/admin/settings/transfers"');
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("refuses a text missing in one language next to its field, in the admin's language, and stores nothing", async () => {
    const a = await admin();
    await a.get("/staff/admin/settings/about?lang=fi");
    // Every text at its longest is still a form this page reads (not a 413): the long one is a field error.
    const res = await a.post("/staff/admin/settings/about", about({ "purposes.en": "  ", "categories.fi": "x".repeat(5001), "source.fi": "ä".repeat(5000), "source.en": "ä".repeat(5000), "legalBases.fi": "ä".repeat(5000) }));
    expect(res.status).to.equal(422);
    expect(res.text).to.include('href="#field-purposes-en"').and.include('id="field-purposes-en-error"');
    expect(res.text).to.include("Kirjoita englanniksi, miksi käytätte ihmisten tietoja");
    expect(res.text).to.include('href="#field-categories-fi"');
    // What was typed is kept in the form.
    expect(res.text).to.include("Public interest");
    expect((await orgRow()).privacyInfo).to.deep.equal({});
    expect(await changes()).to.deep.equal([]);

    await a.get("/staff/admin/settings/mail");
    for (const name of ["Evil\r\nBcc: victim@example.test", "Name <spoof@example.test>", ""]) {
      const bad = await a.post("/staff/admin/settings/mail", { mailSenderName: name });
      expect(bad.status, name).to.equal(422);
    }
    await a.get("/staff/admin/settings/verification");
    const none = await a.post("/staff/admin/settings/verification", { storeIpAddresses: "yes" });
    expect(none.status).to.equal(422);
    expect(none.text).to.include('href="#field-methods"');
    await a.get("/staff/admin/settings/contacts");
    const unknown = await a.post("/staff/admin/settings/contacts", { dpoEmail: "dpo@example.org", authorityCountry: "US" });
    expect(unknown.status).to.equal(422);
    expect(await changes()).to.deep.equal([]);
    expect((await a.get("/staff/admin/settings/everything")).status).to.equal(404);
  });

  it("asks for the password again when the last check is stale, keeping the form", async () => {
    const a = await admin();
    await ctx.db.update(sessions).set({ reauthAt: null }).where(eq(sessions.staffId, adminId));
    await a.get("/staff/admin/settings/mail");
    const res = await a.post("/staff/admin/settings/mail", { mailSenderName: "Nuorten Apu" });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(/^\/staff\/reauth\?next=/);
    expect((await orgRow()).mailSenderName).to.equal(null);
    await a.get("/staff/reauth");
    expect((await a.post("/staff/reauth", { password: TEST_PASSWORD, next: "/staff/reauth/resume" })).status).to.equal(303);
    const resume = await a.get("/staff/reauth/resume?lang=en");
    expect(resume.text).to.include("change the organization&#39;s settings").and.include('value="Nuorten Apu"');
    expect(resume.text).to.include('href="/staff/admin/settings/mail"');
    expect((await a.post("/staff/admin/settings/mail", { mailSenderName: "Nuorten Apu" })).status).to.equal(303);
    expect((await orgRow()).mailSenderName).to.equal("Nuorten Apu");
  });

  it("is for admins only, and each organization's own", async () => {
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const asDpo = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    expect((await asDpo.get("/staff/admin/settings")).status).to.equal(403);
    expect((await asDpo.get("/staff/admin")).status).to.equal(403);
    // An admin of another organization on this organization's host is signed out, not let in.
    const other = await makeOrg(ctx);
    const otherAdmin = await makeStaff(ctx, other.id, "admin");
    const foreign = await signedInAgent(ctx, buildApp(ctx), { orgId: other.id, kind: "staff", staffId: otherAdmin.id, host: `${org.slug}.test` });
    expect((await foreign.get("/staff/admin/settings")).headers.location).to.match(/^\/staff\/sign-in/);
  });

  it("mails as the helpline's own name, on the installation's address", async () => {
    const smtp = new TestSmtpServer();
    await smtp.start();
    try {
      const mctx = await contextWithSmtp(smtp);
      const morg = await makeOrg(mctx, { name: "Nuorten Apu ry" });
      const madmin = await makeStaff(mctx, morg.id, "admin");
      const a = await staffBrowser(mctx, buildApp(mctx), morg, madmin.id);
      await a.get("/staff/admin/settings/mail");
      expect((await a.post("/staff/admin/settings/mail", { mailSenderName: "Nuorten Apu" })).status).to.equal(303);
      await mctx.db.transaction((tx) => queueMail(tx, mctx, { orgId: morg.id, to: "nuori@example.test", template: "verification_code", locale: "fi", data: { code: "1234 5678", minutes: 10, orgName: morg.name } }));
      await deliverMail(mctx);
      const [mail] = smtp.to("nuori@example.test");
      expect(mail!.from).to.equal("no-reply@rightsdesk.invalid");
      expect(mail!.raw).to.match(/^From: Nuorten Apu <no-reply@rightsdesk\.invalid>/m);
    } finally {
      await smtp.stop();
    }
  });
});

describe("organization settings: \"store IP addresses\" off means none is stored, whichever way a chat arrives", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("asks before removing the IP addresses already stored, then removes them for good", async () => {
    const org = await makeOrg(ctx, { slug: "ip-off" });
    const adminId = (await makeStaff(ctx, org.id, "admin")).id;
    const kept = await makeConversation(ctx, org.id);
    expect(kept.ipEnc).to.not.equal(null);
    const a = await staffBrowser(ctx, buildApp(ctx), org, adminId);
    const fields = { methods: ["receipt", "email", "account"], storeIpAddresses: "no" };
    await a.get("/staff/admin/settings/verification");
    const confirm = await a.post("/staff/admin/settings/verification", fields);
    expect(confirm.status).to.equal(200);
    expect(confirm.text).to.include("1 chats have an IP address stored").and.include('name="confirmIpRemoval" value="yes"');
    expect((await ctx.db.select().from(conversations).where(isNotNull(conversations.ipEnc)))).to.have.length(1);

    const done = await a.post("/staff/admin/settings/verification", { ...fields, confirmIpRemoval: "yes" });
    expect(done.status).to.equal(303);
    const [row] = await ctx.db.select().from(conversations).where(eq(conversations.id, kept.id));
    expect(row!.ipEnc).to.equal(null);
    expect(row!.ipTruncatedAt).to.not.equal(null);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "organization.settings_changed"));
    expect(entry!.details).to.deep.include({ ipAddressesRemoved: 1, old: { storeIpAddresses: true }, new: { storeIpAddresses: false } });
  });

  it("stores none from the ingest API, the NDJSON import or the seed path, and another organization's stay", async () => {
    const { org, token } = await orgWithToken(ctx);
    await ctx.db.update(organizations).set({ storeIpAddresses: false }).where(eq(organizations.id, org.id));
    const other = await makeOrg(ctx);
    const app = buildApp(ctx);
    const put = await request(app).put("/api/v1/conversations/api-1").set({ Authorization: `Bearer ${token}` })
      .send({ topic: "Exam stress", startedAt: "2026-02-20T18:00:00Z", ip: "203.0.113.57" });
    expect(put.status).to.equal(201);
    expect(put.body.hasIp).to.equal(false);
    // A replay with the address is no change either.
    const again = await request(app).put("/api/v1/conversations/api-1").set({ Authorization: `Bearer ${token}` })
      .send({ topic: "Exam stress", startedAt: "2026-02-20T18:00:00Z", ip: "203.0.113.57" });
    expect(again.status).to.equal(200);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-ip-"));
    try {
      const file = path.join(dir, "chats.ndjson");
      fs.writeFileSync(file, `${JSON.stringify({ type: "conversation", externalId: "imp-1", startedAt: "2026-02-10T12:00:00Z", ip: "198.51.100.7" })}\n`);
      const result = await importNdjson(ctx, { file, orgId: org.id, batchSize: 10 });
      expect(result.counts.conversations.created).to.equal(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await createConversation(ctx.db, ctx.keys, { orgId: org.id, externalId: "seed-1", startedAt: new Date(), ip: "192.0.2.1" });
    const theirs = await createConversation(ctx.db, ctx.keys, { orgId: other.id, externalId: "seed-2", startedAt: new Date(), ip: "192.0.2.2" });

    const stored = await ctx.db.select({ id: conversations.id }).from(conversations).where(and(eq(conversations.orgId, org.id), isNotNull(conversations.ipEnc)));
    expect(stored).to.deep.equal([]);
    expect(await ctx.db.select({ id: conversations.id }).from(conversations).where(eq(conversations.orgId, org.id))).to.have.length(3);
    expect(theirs.ipEnc).to.not.equal(null);
  });
});

describe("organization settings: the request types that need more than a receipt code", () => {
  it("keeps a receipt-code requester from a police transcript when the organization asks for an e-mail code, saying so at the question", async () => {
    const ctx = await freshContext();
    const org = await makeOrg(ctx, { minimumAssurance: { police_transcript: "email" } });
    const conv = await makeConversation(ctx, org.id);
    const app = buildApp(ctx);
    const agent = await signedInAgent(ctx, app, { orgId: org.id, conversationId: conv.id, assurance: "receipt", host: `${org.slug}.test` });
    const page = await agent.get("/requests/new/type");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const refused = await agent.post("/requests/new/type").type("form").send({ _csrf: csrf, type: "police_transcript" });
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include("sign in again with a code sent to your e-mail");
    const access = await agent.post("/requests/new/type").type("form").send({ _csrf: csrf, type: "access" });
    expect(access.status).to.equal(303);

    // With an e-mail code the same request goes ahead.
    const byEmail = await signedInAgent(ctx, app, { orgId: org.id, email: "nuori@example.test", assurance: "email", host: `${org.slug}.test` });
    const page2 = await byEmail.get("/requests/new/type");
    const csrf2 = /name="_csrf" value="([^"]+)"/.exec(page2.text)![1]!;
    expect((await byEmail.post("/requests/new/type").type("form").send({ _csrf: csrf2, type: "police_transcript" })).status).to.equal(303);
  });
});
