import { and, eq, lt, or, lte, sql, inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { jobs } from "../db/schema/index.js";

/**
 * A database-backed job runner. Jobs take ids, not objects, and must be idempotent: a job whose
 * lease ran out (its process died) is claimed again by any instance. Claims use SKIP LOCKED so
 * several instances never run the same job at once.
 */
export type JobHandler = (ctx: AppContext, payload: Record<string, unknown>) => Promise<void>;

export interface JobDefinition {
  name: string;
  handler: JobHandler;
  maxAttempts?: number;
  /** Recurring jobs: one run per period, however many instances are up. */
  everyMs?: number;
}

const LEASE_MS = 5 * 60_000;

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

export class JobRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly byName: Map<string, JobDefinition>;

  constructor(
    private readonly ctx: AppContext,
    definitions: readonly JobDefinition[],
    private readonly pollMs = 1000,
  ) {
    this.byName = new Map(definitions.map((d) => [d.name, d]));
  }

  start(): void {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      this.running = this.tick().catch((err) => this.ctx.logger.error({ err: String(err) }, "job tick failed"));
      await this.running;
      if (!this.stopped) this.timer = setTimeout(tick, this.pollMs);
    };
    this.timer = setTimeout(tick, 10);
  }

  /** Stops claiming; the job in flight finishes (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    await this.scheduleRecurring();
    while (!this.stopped && (await this.runOne())) {
      /* drain what is due */
    }
  }

  /** Runs jobs until none is due; for tests and CLI commands. */
  async drain(): Promise<number> {
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

  async runOne(): Promise<boolean> {
    const job = await this.claim();
    if (!job) return false;
    const def = this.byName.get(job.name);
    try {
      if (!def) throw new Error(`no handler for job ${job.name}`);
      await def.handler(this.ctx, job.payload);
      await this.ctx.db
        .update(jobs)
        .set({ status: "done", finishedAt: this.ctx.clock.now(), lockedUntil: null, lastError: null })
        .where(eq(jobs.id, job.id));
    } catch (err) {
      await this.fail(job, err);
    }
    return true;
  }

  private async claim(): Promise<JobRow | undefined> {
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
        lockedUntil: new Date(now.getTime() + LEASE_MS),
        attempts: sql`${jobs.attempts} + 1`,
      })
      .where(inArray(jobs.id, due))
      .returning();
    return job;
  }

  private async fail(job: JobRow, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const giveUp = job.attempts >= job.maxAttempts;
    this.ctx.logger.warn({ job: job.name, jobId: job.id, attempts: job.attempts, giveUp }, "job failed");
    await this.ctx.db
      .update(jobs)
      .set({
        status: giveUp ? "failed" : "queued",
        runAt: new Date(this.ctx.clock.now().getTime() + retryDelayMs(job.attempts)),
        lockedUntil: null,
        lastError: message.slice(0, 500),
        finishedAt: giveUp ? this.ctx.clock.now() : null,
      })
      .where(eq(jobs.id, job.id));
  }
}
