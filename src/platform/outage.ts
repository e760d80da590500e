import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { databaseErrorCode, isDatabaseUnavailable } from "../db/client.js";

/** Waits between tries while the database is away: 0.25 s, 0.5 s, 1 s … at most 5 s. */
export function outageDelayMs(tries: number): number {
  return Math.min(250 * 2 ** tries, 5_000);
}

/**
 * Runs a write that must not be lost to a database outage (a job's or a message's outcome, once the
 * work is done): while the database is unavailable it is tried again, until it goes through,
 * `maxMs` has passed or `signal` aborts (shutdown). Any other error is thrown at once. Only for
 * writes that are safe to repeat: each of them is fenced by its owner's attempt.
 */
export async function persistThroughOutage<T>(
  write: () => Promise<T>,
  opts: { maxMs: number; signal?: AbortSignal; logger: Logger; what: Record<string, unknown> },
): Promise<T> {
  const deadline = Date.now() + opts.maxMs;
  for (let tries = 0; ; tries++) {
    try {
      const result = await write();
      if (tries > 0) opts.logger.info({ ...opts.what, tries: tries + 1 }, "recorded once the database was back");
      return result;
    } catch (err) {
      const delay = outageDelayMs(tries);
      if (!isDatabaseUnavailable(err) || opts.signal?.aborted || Date.now() + delay > deadline) throw err;
      if (tries === 0) opts.logger.warn({ ...opts.what, errCode: databaseErrorCode(err) }, "database unavailable; waiting to record");
      await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }
}

/**
 * What a log line may say about an error: its name, its SQLSTATE or errno, and the message of
 * errors that are not database errors (a failed query's message quotes its parameters).
 */
export function errorFields(err: unknown): { err: string; errCode?: string; message?: string } {
  if (!(err instanceof Error)) return { err: typeof err };
  const errCode = databaseErrorCode(err);
  if (errCode !== "unknown" || "query" in err) return { err: err.name, errCode };
  return { err: err.name, message: err.message.replace(/\S+@\S+/g, "[address]").slice(0, 200) };
}
