import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import type { TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { listZipEntries } from "../../src/exports/zip-reader.js";
import { buildNow, insertRequest, scenario, freshExportsContext } from "./helpers.js";

function postFile(app: ReturnType<typeof buildApp>, file: Buffer, type: string) {
  return request(app).post("/verify").set("Content-Type", type).set("Accept", "application/json").send(file);
}

describe("exports: /verify", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });

  it("shows a code form and the organization's public key", async () => {
    const s = await scenario(ctx);
    const res = await request(buildApp(ctx)).get("/verify").expect(200);
    expect(res.text).to.include('name="code"');
    expect(res.text).to.include("-----BEGIN PUBLIC KEY-----");
    expect(res.text).to.include(s.org.signingPublicKey.split("\n")[1]!);
  });

  it("looks up a verification code: who issued it, when, for which reference — not who asked", async () => {
    const s = await scenario(ctx);
    const { row } = await buildNow(ctx, s.request.id, "access_zip");
    const app = buildApp(ctx);
    const page = await request(app).get(`/verify?code=${encodeURIComponent(row.verificationCode!.toLowerCase().replace(/-/g, " "))}`).expect(200);
    expect(page.text).to.include("Tukilinja ry made a document with this code.");
    expect(page.text).to.include(s.request.reference);
    expect(page.text).to.include("Copy of personal data (ZIP)");
    expect(page.text).to.include("2 Mar 2026"); // issue time, in the platform's date format
    expect(page.text).to.not.include(s.subject.email!);
    expect(page.text).to.not.include("Maija");

    const api = await request(app).get(`/verify?code=${row.verificationCode}`).set("Accept", "application/json").expect(200);
    expect(api.body.document).to.deep.include({ reference: s.request.reference, kind: "access_zip", status: "ready", fileSha256: row.sha256 });
    expect(JSON.stringify(api.body)).to.not.include(s.subject.id);

    const unknown = await request(app).get("/verify?code=V-0000-0000").expect(200);
    expect(unknown.text).to.include("We have no document with this code.");
    await request(app).get("/verify?code=V-0000-0000").set("Accept", "application/json").expect(404);
  });

  for (const kind of ["access_zip", "export_json"] as const) {
    it(`confirms an unmodified ${kind} package, and rejects it changed by one byte anywhere`, async () => {
      const s = await scenario(ctx);
      const { row, file } = await buildNow(ctx, s.request.id, kind);
      const app = buildApp(ctx);

      const ok = await postFile(app, file, "application/zip").expect(200);
      expect(ok.body.verdict).to.equal("unmodified");
      expect(ok.body.problems).to.deep.equal([]);
      expect(ok.body.filesChecked).to.equal((row.manifest as { files: unknown[] }).files.length);
      expect(ok.body.document).to.deep.include({ organization: "Tukilinja ry", reference: s.request.reference, verificationCode: row.verificationCode });

      // One byte inside each entry's compressed data: that file no longer matches the manifest.
      for (const entry of listZipEntries(file)) {
        if (entry.compressedSize === 0) continue;
        const changed = Buffer.from(file);
        const at = entry.dataOffset + Math.floor(entry.compressedSize / 2);
        changed[at] = changed[at]! ^ 0x01;
        const res = await postFile(app, changed, "application/zip").expect(200);
        expect(res.body.verdict, entry.name).to.be.oneOf(["modified", "unknown"]);
        if (entry.name !== "manifest.json") {
          expect(res.body.verdict, entry.name).to.equal("modified");
          expect(res.body.problems, entry.name).to.include(`file_changed:${entry.name}`);
        }
      }
      // One byte anywhere else (headers, directory): never "unmodified".
      for (const at of [0, 7, 12, Math.floor(file.length / 3), file.length - 30, file.length - 1]) {
        const changed = Buffer.from(file);
        changed[at] = changed[at]! ^ 0x01;
        const res = await postFile(app, changed, "application/zip").expect(200);
        expect(res.body.verdict, `byte ${at}`).to.not.equal("unmodified");
      }
    });
  }

  it("rejects a package whose files were changed and whose manifest was re-hashed but not re-signed", async () => {
    const s = await scenario(ctx);
    const { file } = await buildNow(ctx, s.request.id, "access_zip");
    const { ZipArchive } = await import("archiver");
    const { unzip, sha256 } = await import("./helpers.js");
    const files = await unzip(file);
    const name = "conversations/001-2026-02-01.json";
    const forged = Buffer.from(files.get(name)!.toString("utf8").replace("you are nothing", "you are great"));
    files.set(name, forged);
    const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8"));
    for (const f of manifest.files) if (f.path === name) Object.assign(f, { sha256: sha256(forged), bytes: forged.length });
    files.set("manifest.json", Buffer.from(JSON.stringify(manifest, null, 2)));
    const archive = new ZipArchive();
    const chunks: Buffer[] = [];
    archive.on("data", (c: Buffer) => chunks.push(c));
    for (const [n, content] of files) archive.append(content, { name: n });
    await archive.finalize();
    const res = await postFile(buildApp(ctx), Buffer.concat(chunks), "application/zip").expect(200);
    expect(res.body.verdict).to.equal("modified");
    expect(res.body.problems).to.include("signature_invalid");
    expect(res.body.problems).to.include("manifest_differs");
  });

  it("accepts a re-packed but otherwise untouched package as 'contents intact', not as unmodified", async () => {
    const s = await scenario(ctx);
    const { file } = await buildNow(ctx, s.request.id, "access_zip");
    const { ZipArchive } = await import("archiver");
    const { unzip } = await import("./helpers.js");
    const archive = new ZipArchive({ zlib: { level: 1 } });
    const chunks: Buffer[] = [];
    archive.on("data", (c: Buffer) => chunks.push(c));
    for (const [n, content] of await unzip(file)) archive.append(content, { name: n });
    await archive.finalize();
    const res = await postFile(buildApp(ctx), Buffer.concat(chunks), "application/zip").expect(200);
    expect(res.body.verdict).to.equal("contents_intact");
    expect(res.body.problems).to.deep.equal(["container_differs"]);
  });

  it("confirms an unmodified police PDF and rejects it changed by one byte", async () => {
    const s = await scenario(ctx);
    const police = await insertRequest(ctx, { orgId: s.org.id, subjectId: s.subject.id, type: "police_transcript", scope: "chosen_conversations", conversationIds: [s.first.id] });
    const { row, file } = await buildNow(ctx, police.id, "police_pdf");
    const app = buildApp(ctx);
    const ok = await postFile(app, file, "application/pdf").expect(200);
    expect(ok.body.verdict).to.equal("unmodified");
    expect(ok.body.fileType).to.equal("pdf");
    expect(ok.body.document).to.deep.include({ kind: "police_pdf", reference: police.reference, contentSha256: (row.manifest as { contentSha256: string }).contentSha256 });
    const changed = Buffer.from(file);
    changed[Math.floor(file.length / 2)] = changed[Math.floor(file.length / 2)]! ^ 0x01;
    const bad = await postFile(app, changed, "application/pdf").expect(200);
    expect(bad.body.verdict).to.equal("unknown");
    expect(bad.body.document).to.equal(null);

    // The HTML answer for a person, without CSRF token or session (the upload path is exempt).
    const page = await request(app).post("/verify").set("Content-Type", "application/pdf").set("Accept", "text/html").send(file).expect(200);
    expect(page.text).to.include("Tukilinja ry made this file, and it has not been changed.");
  });

  it("does not confirm another organization's documents", async () => {
    const s = await scenario(ctx);
    const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
    const other = await makeOrg(ctx, { slug: "other-org" });
    const app = buildApp(ctx);
    const res = await postFile(app, file, "application/zip").set("Host", other.hostnames[0]!).expect(200);
    expect(res.body.verdict).to.equal("unknown");
    const code = await request(app).get(`/verify?code=${row.verificationCode}`).set("Host", other.hostnames[0]!).set("Accept", "application/json").expect(404);
    expect(code.body.found).to.equal(false);
  });

  it("answers 415 for a form post without a file body, and keeps working for garbage", async () => {
    await scenario(ctx);
    const app = buildApp(ctx);
    const form = await request(app).post("/verify").type("form").send({ code: "x" }).set("Accept", "application/json").expect(415);
    expect(form.body.error).to.equal("unsupported_upload");
    const junk = await postFile(app, Buffer.from("PK\u0003\u0004 not really a zip"), "application/zip").expect(200);
    expect(junk.body.verdict).to.equal("unknown");
    expect(junk.body.problems).to.deep.equal(["corrupt_zip"]);
  });
});

/** A listening server for uploads written by hand (streamed, no Content-Length when chunked). */
async function listen(app: ReturnType<typeof buildApp>): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * POSTs `head`, then `bytes` zero bytes in 1 MB chunks (never held whole), then `tail`; with
 * `declare` the Content-Length is sent, else the body is chunked. Samples external memory.
 */
function streamPost(port: number, headers: Record<string, string>, parts: { head: Buffer; bytes: number; tail: Buffer; declare: boolean }) {
  return new Promise<{ status: number; body: string; peakExternalGrowth: number }>((resolve, reject) => {
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - base); }, 20);
    const length = parts.head.length + parts.bytes + parts.tail.length;
    const req = http.request({ host: "127.0.0.1", port, path: "/verify", method: "POST", headers: { ...headers, ...(parts.declare ? { "Content-Length": String(length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => { clearInterval(sampler); resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), peakExternalGrowth: peak }); });
    });
    req.on("error", (err) => { clearInterval(sampler); reject(err); });
    const chunk = Buffer.alloc(1024 * 1024);
    let left = parts.bytes;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end(parts.tail);
    };
    req.write(parts.head);
    pump();
  });
}

const MB = 1024 * 1024;
const tempUploads = (ctx: TestContext) => {
  const dir = path.join(ctx.config.dataDir, "tmp", "verify");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

describe("exports: /verify upload form (multipart, streamed)", function () {
  this.timeout(180_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });

  it("offers a file form that needs no JavaScript or CSRF token, next to the code field and the public key", async () => {
    const s = await scenario(ctx);
    const page = await request(buildApp(ctx)).get("/verify").expect(200);
    expect(page.text).to.match(/<form method="post" action="\/verify" enctype="multipart\/form-data"/);
    expect(page.text).to.include('type="file"').and.include('name="file"').and.include('for="field-file"');
    expect(page.text).to.include('name="code"');
    expect(page.text).to.include(s.org.signingPublicKey.split("\n")[1]!);
    expect(page.text).to.not.include("<script>");
  });

  it("an uploaded package is confirmed with issuer and issue time; the same with one byte changed is not", async () => {
    const s = await scenario(ctx);
    const { row, file } = await buildNow(ctx, s.request.id, "access_zip");
    const app = buildApp(ctx);
    const ok = await request(app).post("/verify").set("Accept", "text/html").attach("file", file, "package.zip").expect(200);
    expect(ok.text).to.include('data-verdict="unmodified"').and.include("Result: Unchanged");
    expect(ok.text).to.include("Tukilinja ry made this file, and it has not been changed.");
    expect(ok.text).to.include("2 Mar 2026"); // issue time in the organization's time zone
    expect(ok.text).to.include(row.verificationCode!).and.include(s.request.reference).and.include(row.sha256!);
    expect(ok.text).to.not.include(s.subject.email!).and.not.include("Maija");

    const entry = listZipEntries(file).find((e) => e.name.startsWith("conversations/") && e.compressedSize > 0)!;
    const changed = Buffer.from(file);
    changed[entry.dataOffset + Math.floor(entry.compressedSize / 2)]! ^= 0x01;
    const bad = await request(app).post("/verify").set("Accept", "text/html").attach("file", changed, "package.zip").expect(200);
    expect(bad.text).to.include('data-verdict="modified"').and.include("Result: Changed").and.include('role="alert"');
    expect(bad.text).to.include(`This file was changed: ${entry.name}`);
    expect(bad.text).to.not.include("Result: Unchanged");
    expect(tempUploads(ctx), "temporary uploads are deleted").to.deep.equal([]);
  });

  it("an uploaded police PDF is confirmed, and rejected with one byte changed", async () => {
    const s = await scenario(ctx);
    const police = await insertRequest(ctx, { orgId: s.org.id, subjectId: s.subject.id, type: "police_transcript", scope: "chosen_conversations", conversationIds: [s.first.id] });
    const { file } = await buildNow(ctx, police.id, "police_pdf");
    const app = buildApp(ctx);
    const ok = await request(app).post("/verify").attach("file", file, { filename: "transcript.pdf", contentType: "application/pdf" }).expect(200);
    expect(ok.text).to.include('data-verdict="unmodified"').and.include("Chat transcript for a police report (PDF)");
    const changed = Buffer.from(file);
    changed[Math.floor(file.length / 2)]! ^= 0x01;
    const bad = await request(app).post("/verify").attach("file", changed, "transcript.pdf").expect(200);
    expect(bad.text).to.include('data-verdict="unknown"').and.include("Result: Not confirmed");
  });

  it("asks for a file when the form is sent without one", async () => {
    await scenario(ctx);
    const res = await request(buildApp(ctx)).post("/verify").field("other", "x").attach("file", Buffer.alloc(0), "").expect(422);
    expect(res.text).to.include("Choose a ZIP or PDF file to check.").and.include('aria-invalid="true"');
  });

  it("refuses a file over 200 MB with a clear error, streamed without holding it in memory, and keeps nothing", async () => {
    await scenario(ctx);
    const server = await listen(buildApp(ctx));
    try {
      const boundary = "----rightsdeskTestBoundary";
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\nContent-Type: application/zip\r\n\r\n`);
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      // A browser form, sent chunked so only the streaming limit can catch it.
      const form = await streamPost(server.port, { "Content-Type": `multipart/form-data; boundary=${boundary}`, Accept: "text/html" }, { head, bytes: 200 * MB + 1, tail, declare: false });
      expect(form.status).to.equal(413);
      expect(form.body).to.include("The file is larger than 200 MB.");
      expect(form.peakExternalGrowth, "memory held while receiving 200 MB").to.be.lessThan(64 * MB);
      // The raw-body API, chunked, and with an honest Content-Length (refused before reading).
      const raw = await streamPost(server.port, { "Content-Type": "application/zip", Accept: "application/json" }, { head: Buffer.alloc(0), bytes: 200 * MB + 1, tail: Buffer.alloc(0), declare: false });
      expect(raw.status).to.equal(413);
      expect(JSON.parse(raw.body)).to.deep.include({ error: "too_large", limitBytes: 200 * MB });
      const declared = await streamPost(server.port, { "Content-Type": "application/pdf", Accept: "application/json" }, { head: Buffer.alloc(0), bytes: 201 * MB, tail: Buffer.alloc(0), declare: true });
      expect(declared.status).to.equal(413);
      // Exactly at the limit is accepted (and is simply not a document we issued).
      const atLimit = await streamPost(server.port, { "Content-Type": "application/zip", Accept: "application/json" }, { head: Buffer.alloc(0), bytes: 200 * MB, tail: Buffer.alloc(0), declare: false });
      expect(atLimit.status).to.equal(200);
      expect(JSON.parse(atLimit.body)).to.deep.include({ verdict: "unknown", fileType: "other" });
      expect(tempUploads(ctx)).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });

  it("rate-limits checks per client", async () => {
    await scenario(ctx);
    const app = buildApp(ctx);
    let last = 0;
    for (let i = 0; i < 61; i++) {
      last = (await request(app).post("/verify").set("Accept", "application/json").attach("file", Buffer.from("%PDF-1.7 junk"), "x.pdf")).status;
      if (last === 429) break;
    }
    expect(last).to.equal(429);
  });
});
