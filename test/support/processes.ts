/**
 * Real Rightsdesk processes for tests: the portal as `npm start` runs it (dist/main.js, compiled
 * from src/ first when stale) and the commands (scripts/*.ts), each started under umask 022 (the
 * usual default, so a test sees what a start with a loose umask leaves behind) on a DATA_DIR the
 * test chooses. Node runs the file itself — a .ts file with tsx as a loader (not the tsx CLI,
 * which would run it in a grandchild) — so a signal reaches the process that holds DATA_DIR.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";


export interface Started {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** The environment of a production-like embedded start: no server database, no SMTP, no MASTER_KEY. */
export function embeddedEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NODE_ENV: "production", LOG_LEVEL: "warn", ...extra };
  for (const name of ["DATABASE_URL", "TEST_DATABASE_URL", "SMTP_URL", "MASTER_KEY", "npm_lifecycle_event"]) if (!(name in extra)) delete env[name];
  return env;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The compiled portal, what `npm start` runs. */
export const PORTAL_ENTRY = "dist/main.js";

let built = false;
/** Compiles src/ to dist/ when it is missing or older than src/ (as `npm start` does), once per run. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { stdio: ["ignore", "ignore", "inherit"] });
  built = true;
}

/** Starts `file` (relative to the repository; .ts through tsx, .js as it is) under umask 022. */
export function startProcess(file: string, env: NodeJS.ProcessEnv, args: string[] = []): Omit<Started, "port"> {
  const loader = file.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn("/bin/sh", ["-c", 'umask 022 && exec "$0" "$@"', process.execPath, ...loader, file, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs a command to its end. */
export async function runCommand(file: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = startProcess(file, env, args);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/**
 * Starts the portal and waits until it listens (its welcome line) or ends. Resolves either way:
 * the caller checks `exited`/`listening`.
 */
export async function startPortal(dataDir: string, extra: Record<string, string> = {}, timeoutMs = 120_000): Promise<Started & { listening: boolean }> {
  const port = await freePort();
  ensureBuilt();
  const p = startProcess(PORTAL_ENTRY, embeddedEnv(dataDir, { PORT: String(port), ...extra }));
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (p.stdout().includes("Rightsdesk is running at")) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    p.child.stdout!.on("data", check);
    void p.exited.then(() => {
      clearTimeout(timer);
      resolve(p.stdout().includes("Rightsdesk is running at"));
    });
  });
  return { ...p, port, listening };
}

/** Sends `signal` and waits for the end (SIGKILL after 20 s if it hangs). */
export async function stopProcess(p: Pick<Started, "child" | "exited">, signal: NodeJS.Signals = "SIGTERM"): Promise<number | string> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 20_000);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

/** Every path under `dir` with its mode, size and modification time (to see whether anything changed). */
export function snapshotTree(dir: string): Map<string, { mode: number; size: number; mtimeMs: number; dir: boolean }> {
  const out = new Map<string, { mode: number; size: number; mtimeMs: number; dir: boolean }>();
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    out.set(path.relative(dir, p) || ".", { mode: st.mode & 0o777, size: st.size, mtimeMs: st.mtimeMs, dir: st.isDirectory() });
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
  return out;
}
