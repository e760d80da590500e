/**
 * The portal as a real process for the start-up and memory benchmarks: spawned from a tree (this
 * one, or a git ref extracted beside it as the baseline), polled until /healthz answers, measured
 * through /proc, stopped with SIGTERM.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/processes.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Portal {
  child: ChildProcess;
  baseUrl: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<void>;
}

/** How to run the portal of `root`: the run-time transpiler (the old `npm start`) or the compiled code. */
export function portalArgv(root: string, way: "tsx" | "compiled"): string[] {
  return way === "tsx" ? [path.join(root, "node_modules/tsx/dist/cli.mjs"), "src/main.ts"] : ["dist/main.js"];
}

/** Starts the portal in development (so the demo is seeded on a new DATA_DIR) on a free port. */
export async function spawnPortal(root: string, argv: string[], dataDir: string, extraEnv: Record<string, string> = {}): Promise<Portal> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), NODE_ENV: "development", LOG_LEVEL: "debug", ...extraEnv };
  for (const name of ["DATABASE_URL", "TEST_DATABASE_URL", "SMTP_URL", "MASTER_KEY", "SEED_DEMO", "npm_lifecycle_event"]) delete env[name];
  const child = spawn(process.execPath, argv, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, baseUrl: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited };
}

/** Milliseconds from `since` until /healthz answers 200; throws when the process ends or 120 s pass. */
export async function waitHealthy(portal: Portal, since: number): Promise<number> {
  while (portal.child.exitCode === null && portal.child.signalCode === null && performance.now() - since < 120_000) {
    const ok = await fetch(`${portal.baseUrl}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) return performance.now() - since;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the portal did not answer /healthz: ${portal.stderr().slice(-800)}`);
}

export async function stopPortal(portal: Portal): Promise<void> {
  if (portal.child.exitCode === null && portal.child.signalCode === null) portal.child.kill("SIGTERM");
  await portal.exited;
}

/** Resident memory of a process and all its descendants (tsx's CLI runs the portal in a child), in MB. */
export function treeRssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const task of fs.readdirSync(`/proc/${p}/task`)) {
        const children = fs.readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        for (const c of children ? children.split(/\s+/) : []) visit(Number(c));
      }
    } catch {
      // The process ended meanwhile.
    }
  };
  visit(pid);
  return Math.round(kb / 1024);
}

/**
 * The portal as it was at `ref` (src, views, public, package.json), extracted into `into` with
 * this tree's node_modules linked in, so a baseline runs in the same run on the same machine.
 */
export function extractBaseline(ref: string, into: string): { root: string; commit: string } {
  const commit = execFileSync("git", ["rev-parse", "--short", ref], { cwd: repoRoot, encoding: "utf8" }).trim();
  fs.mkdirSync(into, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", commit, "src", "views", "public", "package.json"], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", into], { input: archive });
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(into, "node_modules"));
  return { root: into, commit };
}

/** The default baseline: where this branch left main. */
export function defaultBaselineRef(): string {
  try {
    return execFileSync("git", ["merge-base", "HEAD", "main"], { cwd: repoRoot, encoding: "utf8" }).trim();
  } catch {
    return "HEAD";
  }
}

/** `--name value` from the command line. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
