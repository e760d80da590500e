import { expect } from "chai";
import { PDFParse } from "pdf-parse";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeConversation } from "../support/factories.js";
import { conversations, dataKeys, exports } from "../../src/db/schema/index.js";
import { exportJsonSchema } from "../../src/exports/json-schema.js";
import { NOTES_WITHHELD_REASON_KEY } from "../../src/exports/package-data.js";
import { publicKeyFingerprint } from "../../src/exports/manifest.js";
import { hashReceiptCode } from "../../src/platform/codes.js";
import { LATIN, XSS, buildNow, checkManifest, insertRequest, scenario, sha256, unzip, freshExportsContext } from "./helpers.js";

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

async function pdfText(buffer: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(buffer) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

describe("exports: packages", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });

  describe("access package (Art. 15 ZIP)", () => {
    it("contains README, profile, an HTML and a JSON file per conversation, notes and a signed manifest", async () => {
      const s = await scenario(ctx);
      const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
      expect(row.status).to.equal("ready");
      expect(row.attempts).to.equal(1);
      expect(row.sha256).to.equal(sha256(file));
      expect(row.sizeBytes).to.equal(file.length);
      expect(row.verificationCode).to.match(/^V-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(row.expiresAt!.getTime() - ctx.clock.now().getTime()).to.equal(7 * 86_400_000);
      expect(row.maxDownloads).to.equal(5);
      expect(row.fileName).to.equal(`${s.request.reference}-access.zip`);

      const files = await unzip(file);
      expect([...files.keys()].sort()).to.deep.equal([
        "README.html",
        "conversations/001-2026-02-01.html",
        "conversations/001-2026-02-01.json",
        "conversations/002-2026-02-10.html",
        "conversations/002-2026-02-10.json",
        "manifest.json",
        "notes.json",
        "profile.json",
      ]);

      const { manifest, signatureOk, mismatches, unlisted } = checkManifest(files, s.org.signingPublicKey);
      expect(signatureOk).to.equal(true);
      expect(mismatches).to.deep.equal([]);
      expect(unlisted).to.deep.equal([]);
      expect(manifest.files).to.have.length(7);
      expect(manifest.verificationCode).to.equal(row.verificationCode);
      expect((manifest.request as { reference: string }).reference).to.equal(s.request.reference);
      expect((manifest.organization as { name: string }).name).to.equal("Tukilinja ry");
      expect((manifest.organization as { signingKeySha256: string }).signingKeySha256).to.equal(publicKeyFingerprint(s.org.signingPublicKey));
      expect(manifest.issuedAt).to.match(OFFSET_TIME);
      expect(manifest.signature.value).to.equal(row.signature);

      const profile = JSON.parse(files.get("profile.json")!.toString("utf8"));
      expect(profile.subject.displayName).to.equal("Maija Meikäläinen");
      expect(profile.subject).to.not.have.property("passwordHash");
      expect(profile.requests[0].reference).to.equal(s.request.reference);
      expect(profile.conversations.map((c: { id: string }) => c.id)).to.deep.equal([s.first.id, s.second.id]);

      const notes = JSON.parse(files.get("notes.json")!.toString("utf8"));
      expect(notes.notes).to.have.length(1);
      expect(notes.notes[0].body).to.equal("Counsellor note: follow up next week");
    });

    it("shows workers by role, pseudonymises other participants consistently, labels the requester 'You' and records what was withheld", async () => {
      const s = await scenario(ctx);
      const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
      const files = await unzip(file);
      const all = [...files.values()].map((b) => b.toString("utf8")).join("\n");
      for (const hidden of ["Kaisa Virtanen", "Päivystäjä Mikko", "bully99", "friend_anna", "maija_m", "not yours"]) {
        expect(all, hidden).to.not.include(hidden);
      }
      const first = JSON.parse(files.get("conversations/001-2026-02-01.json")!.toString("utf8"));
      const second = JSON.parse(files.get("conversations/002-2026-02-10.json")!.toString("utf8"));
      expect(first.messages.map((m: { sender: string }) => m.sender)).to.deep.equal([
        "You", "Chat worker", "Participant A", "Participant B", "Automatic message",
      ]);
      // bully99 is Participant A in both conversations of the package.
      expect(second.messages.map((m: { sender: string }) => m.sender)).to.deep.equal(["Participant A", "Chat worker"]);
      expect(first.ipAddress).to.equal("192.0.2.44");

      expect(row.withheld).to.deep.include({ kind: "worker_names", count: 2, basis: "GDPR Art. 15(4)" });
      expect(row.withheld).to.deep.include({ kind: "participant_identities", count: 2, basis: "GDPR Art. 15(4)" });
      const readme = files.get("README.html")!.toString("utf8");
      expect(readme).to.include("The names of 2 chat workers");
      expect(readme).to.include("The names or nicknames of 2 other people");
    });

    it("states the Art. 15 information, the authority's name and address, and no automated decisions", async () => {
      const s = await scenario(ctx);
      const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
      const readme = (await unzip(file)).get("README.html")!.toString("utf8");
      for (const text of [
        "Chat counselling for young people",
        "Answering chats: a task in the public interest (en)",
        "Demo Chat Platform Oy (chat platform vendor)",
        "Hosting Provider Oy",
        // Retention in plain sentences from the rules, never a category name.
        "Your chats are deleted 2 years after your last chat with us.",
        "After that we keep only the date and topic of each chat",
        "We do not transfer your data outside the EU and EEA.",
        "From you, in the chats you had with us",
        "We make no decisions about you by computer alone",
        "correct data that is wrong",
        "delete your data",
        "limit what we do with your data",
        "stop using your data",
        "Tietosuojavaltuutetun toimisto",
        "PL 800",
        "00531 Helsinki",
        "https://tietosuoja.fi/notification-to-the-data-protection-ombudsman",
        "dpo@tukilinja.test",
        row.verificationCode!,
        s.request.reference,
      ]) {
        expect(readme, text).to.include(text);
      }
      expect(readme).to.not.match(/<script|https?:\/\/[^<\s]*\.(js|css)/i);
      expect(readme).to.not.match(/conversations:|ip_addresses|last_activity|data protection officer:/);
    });

    it("keeps the XSS payload inert in the transcript HTML", async () => {
      const s = await scenario(ctx);
      const { file } = await buildNow(ctx, s.request.id, "access_zip");
      const html = (await unzip(file)).get("conversations/001-2026-02-01.html")!.toString("utf8");
      expect(html.toLowerCase()).to.not.include("<script");
      expect(html).to.include("Hei! &lt;script&gt;alert(1)&lt;/script&gt;");
      expect(html).to.include(`content="default-src 'none'; style-src 'unsafe-inline'"`);
      expect(html).to.include(LATIN);
      expect(html).to.include("Participant A");
      const json = (await unzip(file)).get("conversations/001-2026-02-01.json")!.toString("utf8");
      expect(JSON.parse(json).messages[0].body).to.equal(`Hei! ${XSS}`);
    });

    it("is written in the request's language", async () => {
      const s = await scenario(ctx, { locale: "fi" });
      const { file } = await buildNow(ctx, s.request.id, "access_zip");
      const files = await unzip(file);
      const readme = files.get("README.html")!.toString("utf8");
      expect(readme).to.include('<html lang="fi-FI">');
      expect(readme).to.include("Nuorten chat-neuvonta");
      expect(readme).to.include("Mitä jätimme pois ja miksi");
      const conv = JSON.parse(files.get("conversations/001-2026-02-01.json")!.toString("utf8"));
      expect(conv.messages.map((m: { sender: string }) => m.sender)).to.deep.equal([
        "Sinä", "Chatin työntekijä", "Osallistuja A", "Osallistuja B", "Automaattinen viesti",
      ]);
    });

    it("withholds counsellor notes only with a recorded reason, stated in the README", async () => {
      const s = await scenario(ctx, { details: { [NOTES_WITHHELD_REASON_KEY]: "They would reveal a third person's report." } });
      const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
      const files = await unzip(file);
      expect(files.has("notes.json")).to.equal(false);
      expect(files.get("README.html")!.toString("utf8")).to.include("Reason: They would reveal a third person&#39;s report.");
      expect(row.withheld).to.deep.include({ kind: "counsellor_notes", reason: "They would reveal a third person's report.", basis: "GDPR Art. 15(4)" });
      expect(checkManifest(files, s.org.signingPublicKey).signatureOk).to.equal(true);
    });

    it("covers only the requester's own, non-erased conversations, and lists erased ones", async () => {
      const s = await scenario(ctx);
      await ctx.db.update(conversations).set({ erasedAt: ctx.clock.now(), erasedByReference: "RD-ERAS-ED00", dataKeyId: null }).where(eq(conversations.id, s.second.id));
      const { file } = await buildNow(ctx, s.request.id, "access_zip");
      const files = await unzip(file);
      expect([...files.keys()].filter((n) => n.startsWith("conversations/"))).to.deep.equal([
        "conversations/001-2026-02-01.html",
        "conversations/001-2026-02-01.json",
      ]);
      expect(files.get("README.html")!.toString("utf8")).to.include("RD-ERAS-ED00");
    });

    it("for a receipt-code requester contains just the proved conversation; for scope 'profile' none", async () => {
      const s = await scenario(ctx);
      const anon = await makeConversation(ctx, s.org.id, { receiptCodeHash: hashReceiptCode("7K3QM9XA2BCDEF45"), messages: [{ body: "anonymous hello" }] });
      const receipt = await insertRequest(ctx, { orgId: s.org.id, receiptConversationId: anon.id });
      const files = await unzip((await buildNow(ctx, receipt.id, "access_zip")).file);
      const convFiles = [...files.keys()].filter((n) => n.endsWith(".json") && n.startsWith("conversations/"));
      expect(convFiles).to.have.length(1);
      expect(JSON.parse(files.get(convFiles[0]!)!.toString("utf8")).id).to.equal(anon.id);
      expect(JSON.parse(files.get("profile.json")!.toString("utf8")).knownBy).to.equal("receipt_code");

      const profileOnly = await insertRequest(ctx, { orgId: s.org.id, subjectId: s.subject.id, scope: "profile" });
      const p = await unzip((await buildNow(ctx, profileOnly.id, "access_zip")).file);
      expect([...p.keys()].some((n) => n.startsWith("conversations/"))).to.equal(false);
      expect(p.get("README.html")!.toString("utf8")).to.include("This package contains no conversations.");
    });

    it("exports chosen conversations only when they are the requester's", async () => {
      const s = await scenario(ctx);
      const chosen = await insertRequest(ctx, { orgId: s.org.id, subjectId: s.subject.id, scope: "chosen_conversations", conversationIds: [s.second.id, s.foreign.id] });
      const { row, file } = await buildNow(ctx, chosen.id, "access_zip");
      const files = await unzip(file);
      const ids = [...files.keys()].filter((n) => n.endsWith(".json") && n.startsWith("conversations/")).map((n) => JSON.parse(files.get(n)!.toString("utf8")).id);
      expect(ids).to.deep.equal([s.second.id]);
      expect(row.withheld).to.deep.include({ kind: "conversations_not_linked", count: 1, basis: "GDPR Art. 15(4)" });
    });
  });

  describe("JSON export (Art. 20)", () => {
    it("holds the same data as JSON with a documented schema, ISO 8601 times with offset, and a signed manifest", async () => {
      const s = await scenario(ctx);
      const { row, file } = await buildNow(ctx, s.request.id, "export_json");
      expect(row.status).to.equal("ready");
      const files = await unzip(file);
      expect([...files.keys()].sort()).to.deep.equal([
        "README.html",
        "conversations/001-2026-02-01.json",
        "conversations/002-2026-02-10.json",
        "information.json",
        "manifest.json",
        "notes.json",
        "profile.json",
        "schema.json",
      ]);
      const { signatureOk, mismatches } = checkManifest(files, s.org.signingPublicKey);
      expect(signatureOk).to.equal(true);
      expect(mismatches).to.deep.equal([]);

      const schema = JSON.parse(files.get("schema.json")!.toString("utf8"));
      expect(schema).to.deep.equal(JSON.parse(JSON.stringify(exportJsonSchema)));
      expect(schema.$schema).to.equal("https://json-schema.org/draft/2020-12/schema");

      // Every key in every file is documented in schema.json, and required keys are present.
      const check = (value: Record<string, unknown>, def: { properties: Record<string, unknown>; required?: string[] }, where: string) => {
        for (const key of Object.keys(value)) expect(def.properties, `${where}.${key}`).to.have.property(key);
        for (const key of def.required ?? []) expect(value, `${where} requires ${key}`).to.have.property(key);
      };
      const conv = JSON.parse(files.get("conversations/001-2026-02-01.json")!.toString("utf8"));
      check(conv, schema.$defs.conversation, "conversation");
      for (const m of conv.messages) check(m, schema.$defs.message, "message");
      check(JSON.parse(files.get("profile.json")!.toString("utf8")), schema.$defs.profile, "profile");
      check(JSON.parse(files.get("notes.json")!.toString("utf8")), schema.$defs.notes, "notes");
      const information = JSON.parse(files.get("information.json")!.toString("utf8"));
      check(information, schema.$defs.information, "information");
      expect(information.supervisoryAuthority.name).to.equal("Tietosuojavaltuutetun toimisto");
      expect(information.recipients.map((r: { name: string }) => r.name)).to.include("Hosting Provider Oy");

      // Times: ISO 8601 with the organization's offset (Helsinki is +02:00 in February).
      expect(conv.startedAt).to.equal("2026-02-01T12:00:00.000+02:00");
      for (const m of conv.messages) expect(m.sentAt).to.match(OFFSET_TIME);
      expect(new Date(conv.messages[0].sentAt).toISOString()).to.equal("2026-02-01T10:00:00.000Z");
      // UTF-8 throughout.
      expect(conv.messages[1].body).to.include(LATIN);
    });
  });

  describe("police transcript (PDF)", () => {
    it("renders the chosen conversations with every Latin letter, the verification code and the content fingerprint", async () => {
      const s = await scenario(ctx);
      const police = await insertRequest(ctx, { orgId: s.org.id, subjectId: s.subject.id, type: "police_transcript", scope: "chosen_conversations", conversationIds: [s.first.id] });
      const { row, file } = await buildNow(ctx, police.id, "police_pdf");
      expect(row.status).to.equal("ready");
      expect(file.subarray(0, 5).toString()).to.equal("%PDF-");
      expect(row.sha256).to.equal(sha256(file));
      expect(row.fileName).to.equal(`${police.reference}-police-transcript.pdf`);
      const manifest = row.manifest as { contentSha256: string; file: { sha256: string }; verificationCode: string };
      expect(manifest.file.sha256).to.equal(row.sha256);
      expect(manifest.verificationCode).to.equal(row.verificationCode);

      const text = await pdfText(file);
      for (const ch of ["õ", "ä", "ö", "å", "ij", "š", "ž"]) expect(text, ch).to.include(ch);
      const flat = text.replace(/\s+/g, "");
      expect(flat).to.include(row.verificationCode!);
      expect(flat).to.include(manifest.contentSha256);
      expect(flat).to.include(`${ctx.config.BASE_URL}/verify`);
      expect(flat).to.include(police.reference);
      // Each conversation is headed by its date and topic, never by its id; the police reader is not "You".
      expect(flat).to.not.include(s.first.id);
      expect(flat).to.include("Kiusaaminenkoulussa");
      expect(flat).to.not.include("Follow-up");
      expect(text).to.match(/Requester\s*\n?\s*Hei!/);
      expect(text).to.not.include("Kaisa");
      expect(text).to.not.include("bully99");
      expect(text).to.include(XSS); // plain text in a PDF: nothing to execute
    });
  });

  it("never serves erased content: a key destroyed before the build leaves the conversation out", async () => {
    const s = await scenario(ctx);
    const [conv] = await ctx.db.select().from(conversations).where(eq(conversations.id, s.first.id));
    await ctx.db.delete(dataKeys).where(eq(dataKeys.id, conv!.dataKeyId!));
    const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
    expect(row.status).to.equal("ready");
    const names = [...(await unzip(file)).keys()];
    expect(names.filter((n) => n.startsWith("conversations/"))).to.have.length(2);
    const [after] = await ctx.db.select().from(exports).where(eq(exports.id, row.id));
    expect(after!.error).to.equal(null);
  });
});
