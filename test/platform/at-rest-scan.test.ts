import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPortal, stopProcess } from "../support/processes.js";
import { demoChats, demoSubjects } from "../../src/seed/demo-content.js";
import { demoEmail } from "../../src/seed/demo.js";

/** Every file under `dir` except the development file mailbox (DATA_DIR/mail). */
function filesUnder(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (p === skip) return;
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else if (st.isFile()) out.push(p);
  };
  walk(dir);
  return out;
}

/**
 * Issue 18: what an attacker with a copy of DATA_DIR (database files, WAL, export files) finds of
 * the demo's people. Each demo subject's e-mail address, full name and a phrase of their chat.
 */
describe("nothing personal at rest under DATA_DIR (demo seed, portal stopped)", function () {
  this.timeout(240_000);
  let dataDir: string;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-scan-"));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("holds none of any demo subject's e-mail, full name or chat phrases in any byte", async () => {
    const portal = await startPortal(dataDir, { NODE_ENV: "development", LOG_LEVEL: "warn" });
    expect(portal.listening, portal.stderr()).to.equal(true);
    expect(await stopProcess(portal)).to.be.oneOf([0, "SIGTERM"]);

    const needles = new Set<string>();
    for (const [name, locale] of demoSubjects) {
      needles.add(demoEmail(name));
      needles.add(name);
      for (const script of demoChats[locale] ?? []) for (const [, line] of script.lines) needles.add(line.slice(0, 24));
    }
    // The demo's request texts (issue 18): a rectification's corrected value and a refusal's reason.
    needles.add("Corrected Name");
    needles.add("child-protection report was made (GDPR");
    const files = filesUnder(dataDir, path.join(dataDir, "mail"));
    expect(files.length).to.be.greaterThan(10);
    const hits: string[] = [];
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const needle of needles) if (bytes.includes(Buffer.from(needle, "utf8"))) hits.push(`${path.relative(dataDir, file)}: ${needle}`);
    }
    expect(hits, hits.slice(0, 20).join("\n")).to.deep.equal([]);
  });
});
