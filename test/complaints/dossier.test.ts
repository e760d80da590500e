import fs from "node:fs";
import { expect } from "chai";
import request from "supertest";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeConversation, makeStaff, makeSubject } from "../support/factories.js";
import type { Agent } from "../support/http.js";
import { answerComplaint } from "../../src/complaints/answer-complaint.js";
import { authorityFor } from "../../src/requests/authorities.js";
import { fileComplaint } from "../../src/complaints/file-complaint.js";
import { auditLog, exports } from "../../src/db/schema/index.js";
import { readDecryptedExport } from "../../src/platform/blob-store.js";
import { jobDefinitions } from "../../src/jobs.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { postRequestMessage } from "../../src/requests/post-message.js";
import { rejectRequest } from "../../src/staff/reject-request.js";
import { buildNow, checkManifest, unzip } from "../exports/helpers.js";
import { buildApp, countryOrg, freshComplaintsContext, insertRequest, pdfText, postForm, requesterAgent, squash, staffActor, type Org, type Staff, type Subject } from "./helpers.js";

const CHAT = "SENTINEL-chat-content-do-not-export";
const WORKER = "Päivystäjä Kaisa Virtanen";

type ExportRow = typeof exports.$inferSelect;

describe("complaints: the dossier (PDF and ZIP), built by the export job, signed and checkable at /verify", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let org: Org;
  let subject: Subject;
  let dpo: Staff;
  let reviewer: Staff;
  let app: ReturnType<typeof buildApp>;

  beforeEach(async () => {
    ctx = await freshComplaintsContext();
    org = await countryOrg(ctx, "FI", { name: "Tukilinja ry" });
    subject = await makeSubject(ctx, org.id, { displayName: "Maija Meikäläinen" });
    dpo = await makeStaff(ctx, org.id, "dpo", { name: "Dora Private-Name" });
    reviewer = await makeStaff(ctx, org.id, "reviewer", { name: "Rita Reviewer-Name" });
    await makeConversation(ctx, org.id, {
      subjectId: subject.id, topic: "Kiusaaminen", note: "Internal counsellor note SENTINEL-note",
      messages: [{ body: CHAT }, { body: `${CHAT} reply`, senderRole: "worker", senderLabel: WORKER }],
    });
    app = buildApp(ctx);
  });

  /** The requester asks for the dossier on the complaint page; the job builds both files. */
  async function makeDossier(agent: Agent, reference: string): Promise<{ pdf: ExportRow; zip: ExportRow }> {
    const res = await postForm(agent, `/requests/${reference}/dossier`, {}, `/requests/${reference}/complaint`);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/requests/${reference}/complaint?sent=dossier#dossier`);
    // Asking again while it is being made adds nothing.
    await postForm(agent, `/requests/${reference}/dossier`, {}, `/requests/${reference}/complaint`);
    expect(await ctx.db.select().from(exports)).to.have.length(2);
    await new JobRunner(ctx, jobDefinitions()).drain();
    const rows = await ctx.db.select().from(exports).where(eq(exports.kind, "dossier"));
    for (const row of rows) expect(row.status, row.fileName ?? "").to.equal("ready");
    return { pdf: rows.find((r) => r.fileName!.endsWith(".pdf"))!, zip: rows.find((r) => r.fileName!.endsWith(".zip"))! };
  }

  async function download(agent: Agent, reference: string, row: ExportRow) {
    const res = await agent.get(`/requests/${reference}/dossier/${row.id}`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).to.equal(200);
    return res;
  }

  function expectNoThirdPartyData(text: string, label: string): void {
    for (const secret of ["SENTINEL-chat", "SENTINEL-note", "Dora", "Private-Name", "Rita", "Reviewer-Name", "Kaisa", "Virtanen", subject.email!, dpo.email, reviewer.email, dpo.id, reviewer.id]) {
      expect(text, `${label}: ${secret}`).to.not.include(secret);
    }
  }

  it("for a refused request: what was asked and when, identity method, every event and message, the decision with reason and legal ground, deadlines met", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review", locale: "en" });
    ctx.clock.set("2026-03-05T08:00:00Z");
    await postRequestMessage(ctx, org, { type: "staff", id: reviewer.id, role: "reviewer" }, r, "Which chats do you mean? SENTINEL-staff-question");
    await postRequestMessage(ctx, org, { type: "subject", id: subject.id }, r, "All of them, please. SENTINEL-my-reply");
    ctx.clock.set("2026-03-10T08:00:00Z");
    await rejectRequest(ctx, staffActor(dpo), { org, requestId: r.id, legalGround: "manifestly_unfounded_or_excessive", reason: "Fifth identical request this month. SENTINEL-reason", message: "" });
    ctx.clock.set("2026-03-12T08:00:00Z");
    const requester = { subjectId: subject.id, conversationId: null, email: subject.email, assurance: "account" as const };
    const complaint = await fileComplaint(ctx, requester, { org, reference: r.reference, grounds: "rejected", body: "I asked only once. SENTINEL-complaint" });
    await answerComplaint(ctx, staffActor(dpo), { org, complaintId: complaint.id, answer: "We counted wrong; we will reopen it. SENTINEL-answer" });

    ctx.clock.set("2026-03-13T08:00:00Z");
    const agent = await requesterAgent(ctx, app, org, subject);
    const { pdf, zip } = await makeDossier(agent, r.reference);

    // Downloaded in the portal, like exports, and audited.
    const page = await agent.get(`/requests/${r.reference}/complaint?lang=en`).expect(200);
    expect(page.text).to.include(`href="/requests/${r.reference}/dossier/${pdf.id}"`).and.include(`href="/requests/${r.reference}/dossier/${zip.id}"`);
    const pdfRes = await download(agent, r.reference, pdf);
    expect(pdfRes.headers["content-type"]).to.match(/^application\/pdf/);
    expect(pdfRes.headers["content-disposition"]).to.include(`${r.reference}-dossier.pdf`);
    const pdfBytes = pdfRes.body as Buffer;
    expect(pdfBytes.equals(await readDecryptedExport(ctx, pdf))).to.equal(true);
    const downloads = await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, "export.downloaded"), eq(auditLog.targetId, pdf.id)));
    expect(downloads).to.have.length(1);
    expect(downloads[0]!.details).to.deep.include({ kind: "dossier", reference: r.reference });

    const text = await pdfText(pdfBytes);
    const flat = squash(text);
    const has = (s: string) => expect(flat, s).to.include(squash(s));
    has("Complaint file for the data protection authority");
    has(r.reference);
    has("Tukilinja ry");
    has("Type of request: A copy of my data");
    has("We received it on: 2 March 2026 at 11:00"); // 09:00 UTC in Helsinki
    has("Method: Signed in to your chat account");
    has("Status now: Refused");
    has("We had to answer by (one month): 2 April 2026");
    has("The deadline was not extended.");
    has("We gave our final answer on: 10 March 2026 at 10:00");
    has("We answered in time.");
    has("Decision: Refused");
    has("Legal ground: The request was clearly unfounded or excessive (GDPR Article 12(5))");
    has("Fifth identical request this month. SENTINEL-reason");
    has("Refused (Data protection officer)");
    has("New message for you (Reviewer)");
    has("You complained to our data protection officer (You)");
    has("Which chats do you mean? SENTINEL-staff-question");
    has("Tukilinja ry (Reviewer)");
    has("All of them, please. SENTINEL-my-reply");
    has(complaint.reference);
    has("I asked only once. SENTINEL-complaint");
    has("We counted wrong; we will reopen it. SENTINEL-answer");
    has("Answered in time: Yes");
    has(authorityFor("FI").nameLocal);
    has(authorityFor("FI").complaintUrl);
    has("PL 800");
    has(pdf.verificationCode!);
    has("Page 1 of");
    expectNoThirdPartyData(text, "pdf");

    // The ZIP: the PDF and the originals, every file listed in the signed manifest.
    const zipRes = await download(agent, r.reference, zip);
    expect(zipRes.headers["content-type"]).to.match(/^application\/zip/);
    const files = await unzip(zipRes.body as Buffer);
    expect([...files.keys()].sort()).to.deep.equal(["README.txt", "complaints.json", "dossier.pdf", "events.json", "manifest.json", "messages.json", "request.json"]);
    const { manifest, signatureOk, mismatches, unlisted } = checkManifest(files, org.signingPublicKey);
    expect(signatureOk).to.equal(true);
    expect(mismatches).to.deep.equal([]);
    expect(unlisted).to.deep.equal([]);
    expect(manifest).to.deep.include({ kind: "dossier", verificationCode: zip.verificationCode });
    const facts = JSON.parse(files.get("request.json")!.toString("utf8"));
    expect(facts.request).to.deep.include({ reference: r.reference, type: "access", status: "rejected", identityMethod: "account" });
    expect(facts.decision).to.deep.include({ outcome: "rejected", legalGround: "manifestly_unfounded_or_excessive", reason: "Fifth identical request this month. SENTINEL-reason" });
    expect(facts.deadlines).to.deep.include({ legalDueDate: "2026-04-02", effectiveDueDate: "2026-04-02", met: true, overdueNow: false, answeredAt: "2026-03-10T10:00:00.000+02:00" });
    const events = JSON.parse(files.get("events.json")!.toString("utf8")).events as { kind: string; by: string }[];
    expect(events.map((e) => `${e.kind}/${e.by}`)).to.deep.equal([
      "message_from_staff/reviewer", "message_from_requester/requester", "rejected/dpo", "complaint_filed/requester", "complaint_answered/dpo",
    ]);
    const messages = JSON.parse(files.get("messages.json")!.toString("utf8")).messages as { from: string; role: string; body: string }[];
    // Sorted: requests/post-message.ts stamps messages with the database clock, not ctx.clock, so their order here is not the test's.
    expect(messages.map((m) => `${m.from}/${m.role}`).sort()).to.deep.equal(["requester/requester", "staff/dpo", "staff/reviewer"]);
    expect(messages.find((m) => m.role === "dpo")!.body).to.include(authorityFor("FI").nameLocal); // the refusal tells of the authority (Art. 12(4))
    const complaintsJson = JSON.parse(files.get("complaints.json")!.toString("utf8")).complaints;
    expect(complaintsJson[0]).to.deep.include({ reference: complaint.reference, grounds: "rejected", answeredOnTime: true });
    const pdfInZip = await pdfText(files.get("dossier.pdf")!);
    expect(squash(pdfInZip)).to.include(squash(zip.verificationCode!)).and.include(squash("We answered in time."));
    for (const [name, content] of files) expectNoThirdPartyData(name.endsWith(".pdf") ? await pdfText(content) : content.toString("utf8"), name);

    // /verify accepts both as issued, and rejects them changed by one byte.
    const verify = (file: Buffer, type: string) => request(app).post("/verify").set("Host", `${org.slug}.test`).set("Content-Type", type).set("Accept", "application/json").send(file);
    const okPdf = await verify(pdfBytes, "application/pdf").expect(200);
    expect(okPdf.body.verdict).to.equal("unmodified");
    expect(okPdf.body.document).to.deep.include({ kind: "dossier", reference: r.reference, verificationCode: pdf.verificationCode });
    const changedPdf = Buffer.from(pdfBytes);
    changedPdf[Math.floor(changedPdf.length / 2)]! ^= 0x01;
    const badPdf = await verify(changedPdf, "application/pdf").expect(200);
    expect(badPdf.body.verdict).to.not.equal("unmodified");
    expect(badPdf.body.document).to.equal(null);

    const zipBytes = zipRes.body as Buffer;
    const okZip = await verify(zipBytes, "application/zip").expect(200);
    expect(okZip.body.verdict).to.equal("unmodified");
    expect(okZip.body.filesChecked).to.equal(6);
    const at = zipBytes.indexOf(Buffer.from("dossier.pdf")) + 200; // inside the PDF entry's data
    const changedZip = Buffer.from(zipBytes);
    changedZip[at]! ^= 0x01;
    const badZip = await verify(changedZip, "application/zip").expect(200);
    expect(badZip.body.verdict).to.equal("modified");
    expect(badZip.body.problems).to.include("file_changed:dossier.pdf");
  });

  it("for an overdue request: no decision, and the PDF says the deadline has passed", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review", locale: "fi" });
    ctx.clock.set("2026-04-10T09:00:00Z");
    const agent = await requesterAgent(ctx, app, org, subject);
    const { pdf, zip } = await makeDossier(agent, r.reference);

    const text = await pdfText((await download(agent, r.reference, pdf)).body as Buffer);
    const flat = squash(text);
    const has = (s: string) => expect(flat, s).to.include(squash(s));
    has("Valitustiedosto tietosuojaviranomaiselle"); // the requester's language
    has(r.reference);
    has("Pyynnön tyyppi: Kopio tiedoistani");
    has("Tapa: Kirjautuminen chat-tiliisi");
    has("Meidän piti vastata viimeistään (kuukausi): 2. huhtikuuta 2026");
    has("Annoimme lopullisen vastauksemme: Ei vielä vastattu");
    has("Emme ole vastanneet, ja määräaika on mennyt.");
    has("Päätöstä ei ole vielä tehty.");
    has("Tietosuojavaltuutetun toimisto");
    expectNoThirdPartyData(text, "pdf");

    const files = await unzip((await download(agent, r.reference, zip)).body as Buffer);
    const facts = JSON.parse(files.get("request.json")!.toString("utf8"));
    expect(facts.decision).to.deep.equal({ outcome: null, legalGround: null, reason: null, decidedAt: null });
    expect(facts.deadlines).to.deep.include({ met: false, overdueNow: true, answeredAt: null, effectiveDueDate: "2026-04-02" });
    expect(checkManifest(files, org.signingPublicKey).signatureOk).to.equal(true);
  });

  it("only the request's owner can download it, and only a dossier through this route", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected" });
    const agent = await requesterAgent(ctx, app, org, subject);
    const { pdf } = await makeDossier(agent, r.reference);
    const stranger = await requesterAgent(ctx, app, org, await makeSubject(ctx, org.id));
    await stranger.get(`/requests/${r.reference}/dossier/${pdf.id}`).expect(404);
    await request(app).get(`/requests/${r.reference}/dossier/${pdf.id}`).set("Host", `${org.slug}.test`).expect(303);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.downloaded"))).to.have.length(0);
  });

  it("answers HEAD without counting, and never counts another kind of export asked for through this route", async () => {
    const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "rejected" });
    const agent = await requesterAgent(ctx, app, org, subject);
    const { pdf } = await makeDossier(agent, r.reference);
    const head = await agent.head(`/requests/${r.reference}/dossier/${pdf.id}`).expect(200);
    expect(head.headers["content-type"]).to.match(/^application\/pdf/);
    expect(head.headers["content-length"]).to.equal(String(pdf.sizeBytes));
    expect(head.headers["cache-control"]).to.equal("no-store");
    const { row: copy } = await buildNow(ctx, r.id, "access_zip");
    await agent.get(`/requests/${r.reference}/dossier/${copy.id}`).expect(404);
    const counted = await ctx.db.select({ id: exports.id, downloads: exports.downloadCount }).from(exports);
    expect(counted.every((e) => e.downloads === 0), JSON.stringify(counted)).to.equal(true);
    expect(await ctx.db.select().from(auditLog).where(eq(auditLog.action, "export.downloaded"))).to.have.length(0);
  });
});
