import fs from "node:fs";
import type { JobDefinition } from "../../src/platform/jobs.js";

export const CRASH_JOB = "test.crash";

/**
 * The job of the crash tests: each run appends "start <pid>" to a log file, then either never
 * finishes (mode "block": the process is killed while it runs) or appends "done <pid>".
 */
export function crashJobDefinition(log: string, mode: "block" | "finish"): JobDefinition {
  return {
    name: CRASH_JOB,
    handler: async () => {
      fs.appendFileSync(log, `start ${process.pid}\n`);
      if (mode === "block") await new Promise(() => undefined);
      fs.appendFileSync(log, `done ${process.pid}\n`);
    },
  };
}

/** The log's lines by kind. */
export function crashLog(log: string): { starts: string[]; dones: string[] } {
  const lines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  return { starts: lines.filter((l) => l.startsWith("start ")), dones: lines.filter((l) => l.startsWith("done ")) };
}
