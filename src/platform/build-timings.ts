/**
 * Where an export build's time goes, accumulated per phase: off by default (a branch per call),
 * turned on by `npm run bench:export`. The phases overlap in time (the next page is read while
 * the current one is compressed on another thread), so their sum is not the wall time; "zip" is
 * the time the build waited for the archive (compression runs on zlib's threads).
 * A process-wide tally, in platform so stream encryption (below the capabilities) can report too.
 */
import { performance } from "node:perf_hooks";

export const buildPhases = ["read", "decrypt", "renderHtml", "renderJson", "renderPdf", "zip", "encrypt"] as const;
export type BuildPhase = (typeof buildPhases)[number];

const zero = (): Record<BuildPhase, number> => Object.fromEntries(buildPhases.map((p) => [p, 0])) as Record<BuildPhase, number>;

class BuildTimings {
  enabled = false;
  /** Milliseconds per phase since the last reset. */
  ms = zero();

  reset(): void {
    this.ms = zero();
  }

  /** Runs `fn`, adding its duration to `phase` when enabled. */
  time<T>(phase: BuildPhase, fn: () => T): T {
    if (!this.enabled) return fn();
    const started = performance.now();
    try {
      return fn();
    } finally {
      this.ms[phase] += performance.now() - started;
    }
  }

  async timeAsync<T>(phase: BuildPhase, fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return fn();
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.ms[phase] += performance.now() - started;
    }
  }
}

export const buildTimings = new BuildTimings();
