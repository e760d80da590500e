/**
 * /verify against ZIP bombs: a package of about 1 MB that inflates to 1 GB must cost no more
 * inflating than checking the genuine package whose verification code it carries. The work is
 * counted in bytes the inflater produced (no timings in tests).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { expect } from "chai";
import request from "supertest";
import type { TestContext } from "../support/context.js";
import { buildApp } from "../../src/app.js";
import { verifyFile, type FileVerification } from "../../src/exports/verify.js";
import { InflateBudget } from "../../src/exports/zip-reader.js";
import type { OrganizationRow } from "../../src/exports/package-data.js";
import { buildNow, freshExportsContext, scenario, sha256, unzip } from "./helpers.js";

const KB = 1024;
const MB = 1024 * KB;
/** What a stream may hold in flight past a limit before it stops: a few zlib chunks. */
const SLACK = 64 * KB;

interface RawEntry {
  name: string;
  /** Raw deflate data (method 8). */
  data: Buffer;
  /** The uncompressed size the headers declare: anything, for a forged file. */
  declared: number;
  /** What the local header declares, when it disagrees with the central directory. */
  localDeclared?: number;
}

/** A ZIP written byte by byte, so its headers may declare what the data is not. */
function writeZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0, 14); // CRC: our reader relies on SHA-256, not on it
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.localDeclared ?? e.declared, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declared, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** About 1 MB of raw deflate that inflates to 1 GB of zeros: 1,024 copies of one flushed block. */
function gigabyteOfZeros(): Buffer {
  const block = zlib.deflateRawSync(Buffer.alloc(MB), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(1024).fill(block), Buffer.from([0x03, 0x00])]); // + an empty final block
}

describe("exports: /verify bounds the inflating of an uploaded ZIP", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let org: OrganizationRow;
  let genuine: Map<string, Buffer>;
  let manifest: { files: { path: string; bytes: number }[] };
  let victim: string;
  let issuedTotal: number;
  const bomb = gigabyteOfZeros();

  /** Writes the file where an upload would be and checks it, counting what inflating cost. */
  async function check(file: Buffer): Promise<{ result: FileVerification; inflated: number }> {
    const dest = path.join(ctx.config.dataDir, `bomb-${crypto.randomUUID()}.zip`);
    fs.writeFileSync(dest, file);
    try {
      const budget = new InflateBudget();
      const result = await verifyFile(ctx.db, org, { path: dest, size: file.length, sha256: sha256(file) }, budget);
      return { result, inflated: budget.inflated };
    } finally {
      fs.rmSync(dest, { force: true });
    }
  }

  /** The genuine package's entries, re-deflated, with some replaced. */
  function repacked(replace: Record<string, Omit<RawEntry, "name">> = {}, manifestBytes?: Buffer): Buffer {
    return writeZip([...genuine].map(([name, content]) => {
      if (name === "manifest.json" && manifestBytes) return { name, data: zlib.deflateRawSync(manifestBytes), declared: manifestBytes.length };
      return { name, ...(replace[name] ?? { data: zlib.deflateRawSync(content), declared: content.length }) };
    }));
  }

  beforeEach(async () => {
    ctx = await freshExportsContext();
    const s = await scenario(ctx);
    org = s.org;
    const { file } = await buildNow(ctx, s.request.id, "access_zip");
    genuine = await unzip(file);
    manifest = JSON.parse(genuine.get("manifest.json")!.toString("utf8"));
    issuedTotal = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    victim = manifest.files.find((f) => f.path.startsWith("conversations/"))!.path;
  });

  it("the genuine contents, re-packed, are intact: what a check of our package costs", async () => {
    const { result, inflated } = await check(repacked());
    expect(result.verdict).to.equal("contents_intact");
    expect(inflated).to.be.at.most(issuedTotal + genuine.get("manifest.json")!.length);
  });

  it("stops an entry at the size the manifest declares, though its headers declare the same (1 MB → 1 GB)", async () => {
    const declared = manifest.files.find((f) => f.path === victim)!.bytes;
    const zip = repacked({ [victim]: { data: bomb, declared } });
    expect(zip.length).to.be.within(MB, 2 * MB);
    const { result, inflated } = await check(zip);
    expect(result.verdict).to.equal("modified");
    expect(result.problems).to.include.members([`file_changed:${victim}`, `file_larger_than_declared:${victim}`]);
    expect(inflated).to.be.at.most(issuedTotal + genuine.get("manifest.json")!.length + SLACK);
  });

  it("does not inflate an entry whose headers declare more than the manifest", async () => {
    const zip = repacked({ [victim]: { data: bomb, declared: 1024 * MB } });
    const { result, inflated } = await check(zip);
    expect(result.problems).to.include(`file_larger_than_declared:${victim}`);
    expect(inflated).to.be.at.most(issuedTotal + genuine.get("manifest.json")!.length + SLACK);
  });

  it("caps the total at what the package we issued holds, whatever a forged manifest declares", async () => {
    const forged = JSON.parse(genuine.get("manifest.json")!.toString("utf8"));
    for (const f of forged.files) if (f.path === victim) f.bytes = 1024 * MB;
    const zip = repacked({ [victim]: { data: bomb, declared: 1024 * MB } }, Buffer.from(JSON.stringify(forged)));
    const { result, inflated } = await check(zip);
    expect(result.verdict).to.equal("modified");
    expect(result.problems).to.include("manifest_differs");
    expect(result.problems).to.include("unpacked_size_limit");
    expect(inflated).to.be.at.most(issuedTotal + genuine.get("manifest.json")!.length + SLACK);
  });

  it("bounds a manifest.json bomb by what a manifest of that many entries can hold", async () => {
    const zip = repacked({ "manifest.json": { data: bomb, declared: 16 * MB } });
    const { result, inflated } = await check(zip);
    expect(result.problems).to.deep.equal(["manifest_unreadable"]);
    expect(inflated).to.be.at.most(issuedTotal + SLACK);
  });

  it("refuses a local header whose size disagrees with the central directory", async () => {
    const declared = manifest.files.find((f) => f.path === victim)!.bytes;
    const zip = repacked({ [victim]: { data: bomb, declared, localDeclared: 1024 * MB } });
    const { result, inflated } = await check(zip);
    expect(result.problems).to.deep.equal(["corrupt_zip"]);
    expect(inflated).to.equal(0);
  });

  it("names the problem in words on the page", async () => {
    const declared = manifest.files.find((f) => f.path === victim)!.bytes;
    const zip = repacked({ [victim]: { data: bomb, declared } });
    const page = await request(buildApp(ctx)).post("/verify").set("Content-Type", "application/zip").set("Accept", "text/html").send(zip).expect(200);
    expect(page.text).to.include(`${victim}`).and.include("larger than the manifest declares");
  });
});
