/**
 * npm run bench [-- NAME …] — every bench:* script of package.json in turn (or only those named,
 * e.g. `npm run bench -- http queue`), their own output shown as it comes, then one table of the
 * key figures each printed on its `BENCH {json}` line (support.ts printBenchSummary). A benchmark
 * that fails, or prints no such line, is listed as such; the exit code is 1 if any failed.
 * The environment is passed on (DATABASE_URL, BENCH_* settings).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

interface Outcome {
  name: string;
  exitCode: number;
  seconds: number;
  figures?: Record<string, unknown>;
}

function benchScripts(): string[] {
  const scripts = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const all = Object.keys(scripts).filter((s) => s.startsWith("bench:")).map((s) => s.slice("bench:".length));
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) throw new Error(`no bench:${unknown.join(", bench:")} in package.json (there are: ${all.join(", ")})`);
  return wanted.length > 0 ? wanted : all;
}

/** Runs one benchmark, passing its output through and keeping its last BENCH line. */
function run(name: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", "--silent", `bench:${name}`], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let figures: Record<string, unknown> | undefined;
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) figures = parseSummary(line) ?? figures;
    });
    child.on("close", (code) => {
      figures = parseSummary(pending) ?? figures;
      resolve({ name, exitCode: code ?? 1, seconds: (Date.now() - started) / 1000, figures });
    });
  });
}

function parseSummary(line: string): Record<string, unknown> | undefined {
  const match = /^BENCH (\{.*\})\s*$/.exec(line);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function table(outcomes: Outcome[]): string {
  const rows = outcomes.map((o) => {
    const status = o.exitCode !== 0 ? `FAILED (exit ${o.exitCode})` : o.figures ? "ok" : "ok, no BENCH line";
    const { name: _name, ...figures } = o.figures ?? {};
    const text = Object.entries(figures).map(([k, v]) => `${k}=${String(v)}`).join("  ");
    return [o.name, status, `${o.seconds.toFixed(0)} s`, text];
  });
  const header = ["benchmark", "status", "took", "figures"];
  const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w)).concat("-------")), ...rows.map(line)].join("\n");
}

let names: string[];
try {
  names = benchScripts();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const outcomes: Outcome[] = [];
for (const name of names) {
  process.stdout.write(`\n===== bench:${name}\n`);
  outcomes.push(await run(name));
}
process.stdout.write(`\n===== summary (${outcomes.length} benchmarks)\n${table(outcomes)}\n`);
if (outcomes.some((o) => o.exitCode !== 0)) process.exitCode = 1;
