import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

/** A TypeScript entry point (tsx) in a child process; its output is collected in `output`. */
export function spawnTs(script: string, env: Record<string, string>): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on("data", (d: Buffer) => child.output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => child.output.push(d.toString()));
  return child;
}

/** Resolves with the exit code (or signal) once the child has ended. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Polls `check` until it holds; throws with `what` when `ms` pass first. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
