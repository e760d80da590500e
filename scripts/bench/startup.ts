/**
 * `npm run bench:startup`: how long the portal takes from spawn to its first `/healthz` 200, in
 * one run, the old way (tsx transpiling src/ at run time) beside the new (compiled dist/):
 *   - a fresh first start (a new DATA_DIR: PGlite's initdb, every migration, the demo seed),
 *   - a restart on that same DATA_DIR,
 * each with the phases the portal logs at debug level (load, open database, migrate, seed,
 * listen), then what each way of compiling src/ costs (esbuild as `npm run build` does, and a
 * tsc emit). Targets (issue 22): restart ≤ 2 s, fresh first start ≤ 8 s. Prints figures;
 * asserts nothing.
 *
 *   npm run bench:startup [-- --runs 3] [-- --no-tsc]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { argValue, portalArgv, repoRoot as root, spawnPortal, stopPortal, waitHealthy } from "./portal-process.js";

const runs = Math.max(1, Number(argValue("runs") ?? 1));
const withTsc = !process.argv.includes("--no-tsc");

interface Way {
  name: string;
  argv: string[];
}
/** The old `npm start` (tsx's CLI, which runs the portal in a child Node) and the new one's last step, on this tree's code. */
const ways: Way[] = [
  { name: "old: tsx src/main.ts", argv: portalArgv(root, "tsx") },
  { name: "new: node dist/main.js", argv: portalArgv(root, "compiled") },
];

interface Start {
  ms: number;
  phases?: Record<string, number>;
}

/** Spawns the portal, waits for /healthz 200, stops it with SIGTERM and waits for its end. */
async function timeStart(way: Way, dataDir: string): Promise<Start> {
  const started = performance.now();
  const portal = await spawnPortal(root, way.argv, dataDir, { JOBS: "on" });
  try {
    const ms = await waitHealthy(portal, started);
    return { ms, phases: phasesFrom(portal.stdout()) };
  } finally {
    await stopPortal(portal);
  }
}

function phasesFrom(log: string): Record<string, number> | undefined {
  for (const line of log.split("\n")) {
    if (!line.includes("start-up phases")) continue;
    try {
      return (JSON.parse(line) as { phases: Record<string, number> }).phases;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const phaseText = (p?: Record<string, number>) => (p ? Object.entries(p).map(([k, v]) => `${k} ${v}`).join(", ") + " ms" : "no phases logged");

function timeCommand(argv: string[]): number {
  const started = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${(r.stdout.toString() + r.stderr.toString()).slice(-500)}`);
  return performance.now() - started;
}

/** tsc emitting src/ into a scratch folder (what a tsc build would cost instead of esbuild). */
function timeTscEmit(scratch: string): number {
  const config = path.join(scratch, "tsconfig.emit.json");
  fs.writeFileSync(config, JSON.stringify({ extends: path.join(root, "tsconfig.json"), compilerOptions: { noEmit: false, outDir: path.join(scratch, "tsc-out"), rootDir: path.join(root, "src"), types: ["node"], typeRoots: [path.join(root, "node_modules/@types")] }, include: [path.join(root, "src")] }));
  return timeCommand([process.execPath, path.join(root, "node_modules/typescript/bin/tsc"), "-p", config]);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rd-bench-startup-"));
try {
  process.stdout.write(`start-up to /healthz 200 (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}), ${runs} run(s) each\n`);
  const buildMs = timeCommand([process.execPath, "scripts/build.mjs"]);
  const results = new Map<string, { fresh: Start[]; restart: Start[] }>();
  for (let run = 0; run < runs; run++) {
    for (const way of ways) {
      const dataDir = path.join(scratch, `${way.name.split(":")[0]}-${run}`);
      const fresh = await timeStart(way, dataDir);
      const restart = await timeStart(way, dataDir);
      const r = results.get(way.name) ?? { fresh: [], restart: [] };
      r.fresh.push(fresh);
      r.restart.push(restart);
      results.set(way.name, r);
      process.stdout.write(`  ${way.name.padEnd(24)} fresh ${fmt(fresh.ms)} (${phaseText(fresh.phases)})\n`);
      process.stdout.write(`  ${"".padEnd(24)} restart ${fmt(restart.ms)} (${phaseText(restart.phases)})\n`);
    }
  }
  const median = (xs: Start[]) => xs.map((x) => x.ms).sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [oldWay, newWay] = ways.map((w) => results.get(w.name)!);
  process.stdout.write(`\nmedian fresh first start: old ${fmt(median(oldWay!.fresh))}, new ${fmt(median(newWay!.fresh))} (target ≤ 8 s; new/old ${(median(newWay!.fresh) / median(oldWay!.fresh)).toFixed(2)})\n`);
  process.stdout.write(`median restart:           old ${fmt(median(oldWay!.restart))}, new ${fmt(median(newWay!.restart))} (target ≤ 2 s; new/old ${(median(newWay!.restart) / median(oldWay!.restart)).toFixed(2)})\n`);
  const staleCheckMs = timeCommand([process.execPath, "scripts/build.mjs", "--if-stale"]);
  process.stdout.write(`\nbuild: esbuild (npm run build) ${fmt(buildMs)}; up-to-date check before npm start ${Math.round(staleCheckMs)} ms`);
  if (withTsc) {
    const tscMs = timeTscEmit(scratch);
    process.stdout.write(`; tsc emit ${fmt(tscMs)} (tsc/esbuild ${(tscMs / buildMs).toFixed(1)}×)`);
  }
  process.stdout.write("\n");
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
