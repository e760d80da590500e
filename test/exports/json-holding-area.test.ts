/**
 * A conversation's JSON waits while its HTML is written: in memory while small, past the limit in
 * an encrypted spool file (zip-package.ts jsonHoldingArea). Either way it reads back whole, and
 * nothing is left on disk.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { jsonHoldingArea } from "../../src/exports/zip-package.js";

async function readAll(source: Iterable<Buffer | string> | AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(typeof c === "string" ? Buffer.from(c) : c);
  return Buffer.concat(parts).toString("utf8");
}

describe("exports: JSON held while the HTML is written", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-holding-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const chunks = Array.from({ length: 500 }, (_, i) => `{"n":${i},"body":"kiitos õde ž ${"x".repeat(i % 97)}"},\n`);

  it("keeps a small conversation in memory: no file is written", async () => {
    const spool = path.join(dir, "e.1.spool");
    const area = jsonHoldingArea(spool, 1_000_000);
    for (const c of chunks) await area.write(c);
    await area.close();
    expect(fs.existsSync(spool)).to.equal(false);
    expect(await readAll(area.read())).to.equal(chunks.join(""));
    await area.discard();
  });

  it("spills a long one to an encrypted spool file, reads it back whole and removes it", async () => {
    const spool = path.join(dir, "e.1.spool");
    const area = jsonHoldingArea(spool, 10_000);
    for (const c of chunks) await area.write(c);
    await area.close();
    expect(fs.existsSync(spool)).to.equal(true);
    const onDisk = fs.readFileSync(spool);
    expect(onDisk.subarray(0, 4).toString()).to.equal("RDX1"); // sealed, never plaintext
    expect(onDisk.includes(Buffer.from("kiitos"))).to.equal(false);
    expect(await readAll(area.read())).to.equal(chunks.join(""));
    await area.discard();
    expect(fs.existsSync(spool)).to.equal(false);
  });
});
