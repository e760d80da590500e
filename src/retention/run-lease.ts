import crypto from "node:crypto";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { retentionRuns } from "../db/schema/index.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import type { RetentionCategory } from "./categories.js";

/**
 * One retention run per organization at a time, across instances. The run row is the lease: its
 * cursor names the owner and how long the lease lasts, and every batch renews it in the same
 * transaction that records its progress. A run whose owner died (lease ran out) or failed is
 * resumed by the next run from its cursor, with the counts it had committed.
 */
export const LEASE_MS = 5 * 60_000;
/** Serializes taking a lease for one organization (pg_advisory_xact_lock works on PGlite too). */
const LEASE_LOCK = 7_202_302;

export interface RunCursor {
  owner?: string;
  leaseUntil?: string | null;
  /** The category being swept and the last id done in it. */
  category?: RetentionCategory | "done";
  after?: string | null;
  /** Why the last attempt stopped (an error class or code, never data). */
  stoppedBy?: string;
  /** How many times this run was taken over after a crash or failure. */
  resumes?: number;
}

export type RunRow = typeof retentionRuns.$inferSelect;

export class LeaseLostError extends Error {
  constructor() {
    super("the retention run's lease was taken over by another instance");
  }
}

export const newOwner = (ctx: AppContext) => `${ctx.instanceId}:${crypto.randomUUID()}`;
export const cursorOf = (run: Pick<RunRow, "cursor">) => run.cursor as RunCursor;
const leaseUntil = (ctx: AppContext) => new Date(ctx.clock.now().getTime() + LEASE_MS).toISOString();

/** Takes the organization's lease: resumes an unfinished run, starts a new one, or answers "busy". */
export async function acquireRun(ctx: AppContext, orgId: string, owner: string): Promise<{ run: RunRow; resumed: boolean } | { busy: true }> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LEASE_LOCK}, hashtext(${orgId}))`);
    const [open] = await tx
      .select()
      .from(retentionRuns)
      .where(and(eq(retentionRuns.orgId, orgId), eq(retentionRuns.dryRun, 0), inArray(retentionRuns.status, ["running", "interrupted"])))
      .orderBy(desc(retentionRuns.startedAt))
      .limit(1)
      .for("update");
    const now = ctx.clock.now();
    if (open) {
      const c = cursorOf(open);
      const held = open.status === "running" && c.leaseUntil && new Date(c.leaseUntil) > now && c.owner !== owner;
      if (held) return { busy: true as const };
      const cursor: RunCursor = { ...c, owner, leaseUntil: leaseUntil(ctx), stoppedBy: undefined, resumes: (c.resumes ?? 0) + 1 };
      const [run] = await tx.update(retentionRuns).set({ status: "running", cursor: cursor as Record<string, unknown> }).where(eq(retentionRuns.id, open.id)).returning();
      await appendAudit(tx, ctx, { orgId, actor: systemActor, action: "retention.run_resumed", target: { type: "retention_run", id: open.id }, details: { category: c.category ?? null } });
      return { run: run!, resumed: true };
    }
    const cursor: RunCursor = { owner, leaseUntil: leaseUntil(ctx) };
    const [run] = await tx.insert(retentionRuns).values({ orgId, startedAt: now, status: "running", cursor: cursor as Record<string, unknown> }).returning();
    await appendAudit(tx, ctx, { orgId, actor: systemActor, action: "retention.run_started", target: { type: "retention_run", id: run!.id } });
    return { run: run!, resumed: false };
  });
}

/** Locks the run row inside a batch's transaction and checks the lease is still ours. */
export async function holdRun(tx: Tx, runId: string, owner: string): Promise<RunRow> {
  const [run] = await tx.select().from(retentionRuns).where(eq(retentionRuns.id, runId)).for("update");
  if (!run || run.status !== "running" || cursorOf(run).owner !== owner) throw new LeaseLostError();
  return run;
}

/** Records a batch's progress and renews the lease (in the batch's transaction). */
export async function saveProgress(tx: Tx, ctx: AppContext, run: RunRow, owner: string, progress: { counts: Record<string, number>; kept: Record<string, number>; category: RetentionCategory | "done"; after: string | null }): Promise<void> {
  const cursor: RunCursor = { ...cursorOf(run), owner, leaseUntil: leaseUntil(ctx), category: progress.category, after: progress.after };
  await tx
    .update(retentionRuns)
    .set({ counts: progress.counts, kept: progress.kept, cursor: cursor as Record<string, unknown> })
    .where(eq(retentionRuns.id, run.id));
}

/** Leaves a failed run for the next one to resume at once (a crashed process instead waits out its lease). */
export async function releaseRun(ctx: AppContext, runId: string, owner: string, err: unknown): Promise<void> {
  const stoppedBy = err instanceof Error ? ((err as { code?: unknown }).code ? String((err as { code?: unknown }).code) : err.name) : "unknown";
  await ctx.db.transaction(async (tx) => {
    const [run] = await tx.select().from(retentionRuns).where(eq(retentionRuns.id, runId)).for("update");
    if (!run || run.status !== "running" || cursorOf(run).owner !== owner) return;
    const cursor: RunCursor = { ...cursorOf(run), leaseUntil: null, stoppedBy };
    await tx.update(retentionRuns).set({ status: "interrupted", cursor: cursor as Record<string, unknown> }).where(eq(retentionRuns.id, runId));
    await appendAudit(tx, ctx, { orgId: run.orgId, actor: systemActor, action: "retention.run_interrupted", target: { type: "retention_run", id: runId }, details: { category: cursor.category ?? null, stoppedBy } });
  });
}
