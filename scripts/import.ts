import fs from "node:fs";
import { parseArgs } from "node:util";
import { asc, eq } from "drizzle-orm";
import cliProgress from "cli-progress";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext, exitStartupFailed } from "../src/bootstrap.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { organizations } from "../src/db/schema/index.js";
import { importNdjson, type ImportCounts, type ImportResult } from "../src/chats/import-ndjson.js";

/**
 * `npm run import -- FILE.ndjson [--org SLUG] [--batch 500] [--checkpoint FILE] [--restart]`
 * Imports the chat platform's NDJSON export (format: src/chats/import-ndjson.ts). Interrupt it at
 * any time (Ctrl-C): a rerun continues after the last committed line.
 */
const USAGE = "usage: npm run import -- FILE.ndjson [--org SLUG] [--batch N] [--checkpoint FILE] [--restart]";
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    org: { type: "string" },
    batch: { type: "string" },
    checkpoint: { type: "string" },
    restart: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
const file = positionals[0];
if (values.help || !file) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
if (!fs.existsSync(file)) {
  process.stderr.write(`No such file: ${file}\n`);
  process.exit(2);
}

useOwnerOnlyFileModes();
const config = loadConfig();
const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL)).catch(exitStartupFailed);
const [org] = values.org
  ? await ctx.db.select().from(organizations).where(eq(organizations.slug, values.org))
  : await ctx.db.select().from(organizations).orderBy(asc(organizations.createdAt)).limit(1);
if (!org) {
  process.stderr.write(values.org ? `No organization with slug "${values.org}".\n` : "No organization yet: run `npm run seed` or create one first.\n");
  await database.close();
  process.exit(2);
}

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());

const bars = new cliProgress.MultiBar(
  {
    format: "{bar} {percentage}% | line {line} | {messages} msgs | {rate} msg/s | rejected {rejected} | ETA {eta_formatted}",
    hideCursor: true,
    etaBuffer: 50,
    stream: process.stderr,
  },
  cliProgress.Presets.shades_classic,
);
const size = fs.statSync(file).size;
const bar = bars.create(size, 0, { line: 0, messages: 0, rate: 0, rejected: 0 });
let shownRejects = 0;

let result: ImportResult;
try {
  result = await importNdjson(ctx, {
    file,
    orgId: org.id,
    batchSize: values.batch ? Number(values.batch) : undefined,
    checkpointFile: values.checkpoint,
    restart: values.restart,
    signal: controller.signal,
    onProgress: (p) =>
      bar.update(p.bytesRead, {
        line: p.line,
        messages: p.counts.messages.inserted + p.counts.messages.duplicate,
        rate: Math.round(p.messagesPerSecond),
        rejected: p.counts.rejected,
      }),
    onReject: (r) => {
      const say = (text: string) => (process.stderr.isTTY ? bars.log(text) : process.stderr.write(text));
      if (shownRejects++ < 100) say(`line ${r.line}: ${r.reason}\n`);
      else if (shownRejects === 101) say("(more rejected lines: see the summary count)\n");
    },
  });
} catch (err) {
  bars.stop();
  process.stderr.write(`Import failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}\n`);
  process.stderr.write("Committed lines are kept; rerun the same command to continue.\n");
  await database.close();
  process.exit(1);
}
if (result.status === "complete") bar.update(size);
bars.stop();
await database.close();
process.stdout.write(summary(result));
process.exit(result.status === "complete" ? 0 : 130);

function summary(r: ImportResult): string {
  const c: ImportCounts = r.counts;
  const lines = [
    "",
    r.status === "complete" ? `Import complete into "${org!.slug}".` : `Interrupted after line ${r.lastCommittedLine}; rerun the same command to continue.`,
    r.resumedFromLine > 0 ? `  resumed after line ${r.resumedFromLine}` : "",
    r.checkpointIgnored ? `  checkpoint not used: ${r.checkpointIgnored}` : "",
    `  lines          ${c.lines} (${c.blank} blank)`,
    `  subjects       ${c.subjects.created} created, ${c.subjects.updated} updated, ${c.subjects.unchanged} unchanged`,
    `  conversations  ${c.conversations.created} created, ${c.conversations.updated} updated, ${c.conversations.unchanged} unchanged`,
    `  messages       ${c.messages.inserted} stored, ${c.messages.duplicate} already there`,
    `  notes          ${c.notes.inserted} stored, ${c.notes.duplicate} already there`,
    `  rejected       ${c.rejected} line(s)`,
    ...r.rejected.slice(0, 20).map((x) => `    line ${x.line}: ${x.reason}`),
    c.rejected > 20 ? `    … ${c.rejected - 20} more` : "",
    `  time           ${(r.elapsedMs / 1000).toFixed(1)} s (this run)`,
    `  checkpoint     ${r.checkpointFile}`,
    "",
  ];
  return lines.filter((l) => l !== "").join("\n") + "\n";
}
