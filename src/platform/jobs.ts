import crypto from "node:crypto";
import { and, eq, gt, gte, lt, or, lte, sql, inArray } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { isDatabaseUnavailable, type Executor } from "../db/client.js";
import { jobs } from "../db/schema/index.js";
import { errorFields, persistThroughOutage } from "./outage.js";
import { Poller } from "./poller.js";

/**
 * A database-backed job runner. Jobs take ids, not objects, and must be idempotent: a job whose
 * lease ran out (its process died) is claimed again by any instance. Claims use SKIP LOCKED so
 * several instances never claim the same job at once.
 *
 * Ownership: each claim writes a fresh attempt token, and only its holder renews the lease, marks
 * the job done or failed, or releases it (`where id and attempt_token and status = 'running'`). A
 * short lease is renewed by a heartbeat while the handler runs, so a long export keeps its job
 * and a killed process's job is claimed again within a lease and a poll; an instance that lost
 * its lease (it stalled, or the database was away past the lease) is told through the handler's
 * AbortSignal and cannot overwrite what the new owner did.
 *
 * Why not pg-boss or graphile-worker (both tried on both engines): pg-boss 10, the last release
 * for Node 20, completes by job id and state alone and has no heartbeat (pg-boss 11+ has both but
 * requires Node 22); graphile-worker holds a crashed worker's job for a fixed 4 hours and
 * completes by id. Both run on PGlite only through a hand-written adapter.
 */
export type JobHandler<P = Record<string, unknown>> = (ctx: AppContext, payload: P, signal: AbortSignal) => Promise<void>;

export interface JobDefinition<P = Record<string, unknown>> {
  name: string;
  /** Parses the stored payload before the handler runs; a payload it refuses fails the job for good. */
  payload?: z.ZodType<P>;
  handler: JobHandler<P>;
  maxAttempts?: number;
  /** Recurring jobs: one run per period, however many instances are up. */
  everyMs?: number;
}

export interface JobRunnerOptions {
  /** Between polls when nothing is due. */
  pollMs?: number;
  /** How long a claim holds without renewal: a killed process's job waits at most this long. */
  leaseMs?: number;
  /** How often a running job's lease is renewed (a third of the lease by default). */
  heartbeatMs?: number;
  /** How long stop() waits for a running job before releasing it to other instances. */
  graceMs?: number;
  /**
   * This process is the database's only user (embedded PGlite behind its DATA_DIR lock): jobs
   * found running at start were left by a process that died, and are taken over at once.
   */
  soleInstance?: boolean;
}

/** Keeps a definition's handler typed by its own payload schema. */
export function job<P>(def: JobDefinition<P>): JobDefinition {
  return def as unknown as JobDefinition;
}

/** A stored payload its job's schema refuses: retrying cannot help. */
export class InvalidJobPayloadError extends Error {
  constructor(name: string) {
    super(`invalid payload for job ${name}`);
    this.name = "InvalidJobPayloadError";
  }
}

export const LEASE_MS = 30_000;
export const GRACE_MS = 10_000;

/** Why a handler's signal aborted. */
export class JobInterruptedError extends Error {
  constructor(readonly reason: "lease_lost" | "lease_expired" | "shutdown") {
    super(`job interrupted: ${reason}`);
    this.name = "JobInterruptedError";
  }
}

export async function enqueueJob(
  db: Executor,
  name: string,
  payload: Record<string, unknown> = {},
  opts: { runAt?: Date; uniqueKey?: string; maxAttempts?: number } = {},
): Promise<void> {
  await db
    .insert(jobs)
    .values({
      name,
      payload,
      uniqueKey: opts.uniqueKey,
      runAt: opts.runAt ?? new Date(),
      maxAttempts: opts.maxAttempts ?? 5,
    })
    .onConflictDoNothing();
}

export function retryDelayMs(attempts: number): number {
  return Math.min(2 ** attempts * 15_000, 60 * 60_000);
}

type JobRow = typeof jobs.$inferSelect;
type Claimed = JobRow & { attemptToken: string };

/** The job this instance is running: its claim, the handler's signal, the heartbeat. */
interface Running {
  job: Claimed;
  controller: AbortController;
  released: boolean;
}

export class JobRunner {
  private readonly byName: Map<string, JobDefinition>;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly graceMs: number;
  private readonly poller: Poller;
  private stopped = false;
  /** Aborted by stop(): outcome writes no longer wait for the database to come back. */
  private stopping = new AbortController();
  private orphansPending: boolean;
  private current: Running | undefined;

  constructor(
    private readonly ctx: AppContext,
    definitions: readonly JobDefinition[],
    options: JobRunnerOptions = {},
  ) {
    this.byName = new Map(definitions.map((d) => [d.name, d]));
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.floor(this.leaseMs / 3);
    this.graceMs = options.graceMs ?? GRACE_MS;
    this.orphansPending = options.soleInstance ?? false;
    this.poller = new Poller(() => this.tick(), options.pollMs ?? 1000, ctx.logger, "jobs", 10);
  }

  start(): void {
    this.stopped = false;
    this.stopping = new AbortController();
    this.poller.start();
  }

  /**
   * Graceful shutdown, bounded: stops claiming, waits up to the grace period for the running job,
   * then tells its handler to stop and releases it, so another instance takes it over at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (await this.poller.stop(this.graceMs)) return;
    const running = this.current;
    if (!running) return;
    running.controller.abort(new JobInterruptedError("shutdown"));
    await this.release(running, "shutdown").catch((err: unknown) =>
      this.ctx.logger.warn({ job: running.job.name, jobId: running.job.id, ...errorFields(err) }, "job not released at shutdown; its lease runs out instead"),
    );
  }

  async tick(): Promise<void> {
    if (this.orphansPending) await this.takeOverOrphans();
    await this.scheduleRecurring();
    await this.failExhausted();
    while (!this.stopped && (await this.runOne())) {
      /* drain what is due */
    }
  }

  /** Runs jobs until none is due; for tests and CLI commands. */
  async drain(): Promise<number> {
    await this.failExhausted();
    let count = 0;
    while (await this.runOne()) count += 1;
    return count;
  }

  private async scheduleRecurring(): Promise<void> {
    const now = this.ctx.clock.now().getTime();
    for (const def of this.byName.values()) {
      if (!def.everyMs) continue;
      const slot = Math.floor(now / def.everyMs);
      await enqueueJob(this.ctx.db, def.name, {}, { uniqueKey: `cron:${def.name}:${slot}`, runAt: new Date(slot * def.everyMs) });
    }
  }

  /** Once, at the first tick: with no other instance, every running job's process is gone. */
  private async takeOverOrphans(): Promise<void> {
    const now = this.ctx.clock.now();
    const orphans = await this.ctx.db
      .update(jobs)
      .set({ lockedUntil: new Date(now.getTime() - 1) })
      .where(and(eq(jobs.status, "running"), gt(jobs.lockedUntil, new Date(now.getTime() - 1))))
      .returning({ id: jobs.id });
    if (orphans.length > 0) this.ctx.logger.info({ jobs: orphans.length }, "jobs left running by a stopped process taken over");
    this.orphansPending = false;
  }

  /** A job whose process died on its last attempt is failed, not claimed forever. */
  private async failExhausted(): Promise<void> {
    const names = [...this.byName.keys()];
    if (names.length === 0) return;
    const now = this.ctx.clock.now();
    const failed = await this.ctx.db
      .update(jobs)
      .set({ status: "failed", finishedAt: now, lockedUntil: null, attemptToken: null, lastError: "lease expired on the last attempt (its process stopped)" })
      .where(and(inArray(jobs.name, names), eq(jobs.status, "running"), lt(jobs.lockedUntil, now), gte(jobs.attempts, jobs.maxAttempts)))
      .returning({ id: jobs.id, name: jobs.name });
    for (const job of failed) this.ctx.logger.warn({ job: job.name, jobId: job.id }, "job failed: its process stopped on the last attempt");
  }

  async runOne(): Promise<boolean> {
    const job = await this.claim();
    if (!job) return false;
    await this.execute(job);
    return true;
  }

  private async execute(job: Claimed): Promise<void> {
    const running: Running = { job, controller: new AbortController(), released: false };
    this.current = running;
    const heartbeat = this.heartbeat(running);
    let failure: { err: unknown } | undefined;
    try {
      const def = this.byName.get(job.name);
      if (!def) throw new Error(`no handler for job ${job.name}`);
      const payload = def.payload ? def.payload.safeParse(job.payload) : { success: true as const, data: job.payload };
      if (!payload.success) throw new InvalidJobPayloadError(job.name);
      await def.handler(this.ctx, payload.data, running.controller.signal);
    } catch (err) {
      failure = { err };
    } finally {
      heartbeat.stop();
      if (this.current === running) this.current = undefined;
    }
    if (running.released) return; // given back at shutdown: another instance owns it now
    try {
      if (!failure) await this.complete(running);
      else if (running.controller.signal.aborted || isDatabaseUnavailable(failure.err)) await this.release(running, "interrupted", failure.err);
      else await this.fail(running, failure.err);
    } catch (err) {
      // The database stayed away past the wait: the lease runs out and the job is retried.
      this.ctx.logger.warn({ job: job.name, jobId: job.id, ...errorFields(err) }, "job outcome not recorded; it will be retried");
    }
  }

  /** This attempt's row: any write under it is a no-op once another claim took the job over. */
  private owned(job: Claimed) {
    return and(eq(jobs.id, job.id), eq(jobs.attemptToken, job.attemptToken), eq(jobs.status, "running"));
  }

  /** Renews the lease every heartbeatMs; aborts the handler when the job is no longer ours. */
  private heartbeat(running: Running): { stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let renewedAt = Date.now();
    const beat = async () => {
      try {
        const renewed = await this.ctx.db
          .update(jobs)
          .set({ lockedUntil: new Date(this.ctx.clock.now().getTime() + this.leaseMs) })
          .where(this.owned(running.job))
          .returning({ id: jobs.id });
        if (renewed.length === 0) return this.interrupt(running, "lease_lost");
        renewedAt = Date.now();
      } catch (err) {
        // Past the lease without a renewal another instance may hold the job: stop working on it.
        if (Date.now() - renewedAt >= this.leaseMs) return this.interrupt(running, "lease_expired");
        this.ctx.logger.warn({ job: running.job.name, jobId: running.job.id, ...errorFields(err) }, "job lease not renewed; trying again");
      }
      if (!stopped) timer = setTimeout(() => void beat(), this.heartbeatMs);
    };
    timer = setTimeout(() => void beat(), this.heartbeatMs);
    return {
      stop() {
        stopped = true;
        if (timer) clearTimeout(timer);
      },
    };
  }

  private interrupt(running: Running, reason: "lease_lost" | "lease_expired"): void {
    if (running.controller.signal.aborted) return; // already told (released at shutdown)
    this.ctx.logger.warn({ job: running.job.name, jobId: running.job.id, reason }, "job lease lost; its handler is told to stop");
    running.controller.abort(new JobInterruptedError(reason));
  }

  private async claim(): Promise<Claimed | undefined> {
    const now = this.ctx.clock.now();
    const names = [...this.byName.keys()];
    if (names.length === 0) return undefined;
    const due = this.ctx.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        and(
          inArray(jobs.name, names),
          or(
            and(eq(jobs.status, "queued"), lte(jobs.runAt, now)),
            and(eq(jobs.status, "running"), lt(jobs.lockedUntil, now)),
          ),
        ),
      )
      .orderBy(jobs.runAt)
      .limit(1)
      .for("update", { skipLocked: true });
    const [job] = await this.ctx.db
      .update(jobs)
      .set({
        status: "running",
        lockedBy: this.ctx.instanceId,
        lockedUntil: new Date(now.getTime() + this.leaseMs),
        attemptToken: crypto.randomUUID(),
        attempts: sql`${jobs.attempts} + 1`,
      })
      .where(inArray(jobs.id, due))
      .returning();
    return job as Claimed | undefined;
  }

  /** Writes the outcome if the job is still ours; waits through a database outage for that. */
  private async write(running: Running, set: PgUpdateSetSource<typeof jobs>): Promise<boolean> {
    const rows = await persistThroughOutage(
      () => this.ctx.db.update(jobs).set({ lockedUntil: null, attemptToken: null, ...set }).where(this.owned(running.job)).returning({ id: jobs.id }),
      { maxMs: this.leaseMs * 10, signal: this.stopping.signal, logger: this.ctx.logger, what: { job: running.job.name, jobId: running.job.id } },
    );
    if (rows.length === 0) this.ctx.logger.warn({ job: running.job.name, jobId: running.job.id }, "job taken over by another instance; its outcome here is dropped");
    return rows.length > 0;
  }

  private async complete(running: Running): Promise<void> {
    await this.write(running, { status: "done", finishedAt: this.ctx.clock.now(), lastError: null });
  }

  /**
   * Gives the job back without counting the attempt: at shutdown, or when the handler was stopped
   * (its lease lost) or the database went away under it. Due at once.
   */
  private async release(running: Running, why: "shutdown" | "interrupted", err?: unknown): Promise<void> {
    running.released = why === "shutdown";
    const released = await this.write(running, {
      status: "queued",
      runAt: this.ctx.clock.now(),
      lockedBy: null,
      attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
    });
    if (released) this.ctx.logger.info({ job: running.job.name, jobId: running.job.id, why, ...(err ? errorFields(err) : {}) }, "job released");
  }

  private async fail(running: Running, err: unknown): Promise<void> {
    const { job } = running;
    const message = err instanceof Error ? err.message : String(err);
    const giveUp = err instanceof InvalidJobPayloadError || job.attempts >= job.maxAttempts;
    this.ctx.logger.warn({ job: job.name, jobId: job.id, attempts: job.attempts, giveUp }, "job failed");
    await this.write(running, {
      status: giveUp ? "failed" : "queued",
      runAt: new Date(this.ctx.clock.now().getTime() + retryDelayMs(job.attempts)),
      lastError: message.slice(0, 500),
      finishedAt: giveUp ? this.ctx.clock.now() : null,
    });
  }
}
