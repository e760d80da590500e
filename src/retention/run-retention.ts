import { performance } from "node:perf_hooks";
import { asc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { organizations, retentionRuns } from "../db/schema/index.js";
import { appendAudit, chainOf, LEGACY_CHAIN, PLATFORM_CHAIN, pruneAuditPrefix, systemActor } from "../platform/audit.js";
import { exportBlobStore } from "../platform/blob-store.js";
import type { RetentionCategory } from "./categories.js";
import { policiesOf, policyValues, type PolicyRow } from "./list-policies.js";
import { auditRemovable, countPrunableAudit } from "./prune-audit.js";
import { acquireRun, cursorOf, holdRun, LeaseLostError, newOwner, releaseRun, saveProgress, type RunRow } from "./run-lease.js";
import { candidatePage, countCandidates, lockAndRecheck, sweepers, type Candidate, type Sweeper, type SweepScope } from "./sweepers.js";

/**
 * The retention sweep: for each organization, every category with a policy, in batches of short
 * transactions. Each batch commits its changes, the run's counts and cursor, and an audit entry
 * (counts only) together, so a crash loses nothing and a second run resumes where it stopped.
 */
export const sweepOrder: readonly RetentionCategory[] = [
  // Requests first: a request that goes no longer protects the chats it named.
  "unverified_requests",
  "email_correspondence",
  "closed_requests",
  "exports",
  "conversations",
  "ip_addresses",
  // Accounts after chats: "since the last conversation" still sees the person's chats.
  "subject_accounts",
  "inactive_accounts",
  "unactivated_accounts",
  "unlinked_accounts",
  "inactive_email_accounts",
  "outbox",
  // Kept outside Rightsdesk: nothing to remove, the rule is told in the package.
  "contact_form_submissions",
  "backups",
  // Last, so the run's own entries are never among those removed.
  "audit_log",
];

export interface BatchReport {
  orgId: string;
  runId: string;
  category: RetentionCategory;
  done: number;
  kept: number;
  extra: Record<string, number>;
  /** Wall time of the batch's transaction. */
  txMs: number;
}

export interface RetentionOptions {
  dryRun?: boolean;
  orgId?: string;
  /** Rows of a category per transaction. */
  batchSize?: number;
  /** Messages per transaction: a batch of long chats is cut short to keep the transaction short. */
  maxMessagesPerBatch?: number;
  /** Called after each committed batch: the bench times transactions; tests inject a crash. */
  onBatch?: (report: BatchReport) => void | Promise<void>;
}

export interface OrgRunResult {
  orgId: string;
  slug: string;
  status: "completed" | "busy" | "no_policies" | "dry_run";
  runId?: string;
  resumed?: boolean;
  counts: Record<string, number>;
  kept: Record<string, number>;
}

const DEFAULT_BATCH = 1000;
const DEFAULT_MAX_MESSAGES = 10_000;

export async function runRetention(ctx: AppContext, opts: RetentionOptions = {}): Promise<OrgRunResult[]> {
  const orgs = await ctx.db
    .select({ id: organizations.id, slug: organizations.slug })
    .from(organizations)
    .where(opts.orgId ? eq(organizations.id, opts.orgId) : undefined)
    .orderBy(asc(organizations.createdAt));
  const results: OrgRunResult[] = [];
  for (const org of orgs) {
    const policies = await policiesOf(ctx.db, org.id);
    if (policies.size === 0) results.push({ orgId: org.id, slug: org.slug, status: "no_policies", counts: {}, kept: {} });
    else if (opts.dryRun) results.push({ ...org, orgId: org.id, ...(await previewOrg(ctx, org.id, policies)) });
    else results.push({ slug: org.slug, ...(await sweepOrg(ctx, org.id, policies, opts)) });
  }
  return results;
}

/* ---------------------------------------------------------------- dry run */

/** Counts what a run would remove and keep today, records it as a dry run, changes nothing else. */
async function previewOrg(ctx: AppContext, orgId: string, policies: Map<RetentionCategory, PolicyRow>) {
  const now = ctx.clock.now();
  const counts: Record<string, number> = {};
  const kept: Record<string, number> = {};
  for (const category of sweepOrder) {
    const policy = policies.get(category);
    if (!policy) continue;
    if (category === "audit_log") {
      counts.audit_log = await countPrunableAudit(ctx.db, now, orgId);
      continue;
    }
    const c = await countCandidates(ctx.db, sweepers[category], { orgId, policy: policyValues(policy), now });
    counts[category] = c.due;
    if (c.kept) kept[category] = c.kept;
    if (category === "conversations") counts["conversations.messages"] = c.weight;
  }
  const [run] = await ctx.db
    .insert(retentionRuns)
    .values({ orgId, startedAt: now, finishedAt: now, dryRun: 1, status: "completed", counts, kept })
    .returning({ id: retentionRuns.id });
  return { status: "dry_run" as const, runId: run!.id, counts, kept };
}

/* ---------------------------------------------------------------- the sweep */

interface Step {
  done: number;
  kept: number;
  extra: Record<string, number>;
  files: string[];
  next: string | null;
  finished: boolean;
}

const add = (into: Record<string, number>, key: string, n: number) => {
  if (n) into[key] = (into[key] ?? 0) + n;
};

async function sweepOrg(ctx: AppContext, orgId: string, policies: Map<RetentionCategory, PolicyRow>, opts: RetentionOptions): Promise<Omit<OrgRunResult, "slug">> {
  const owner = newOwner(ctx);
  const lease = await acquireRun(ctx, orgId, owner);
  if ("busy" in lease) return { orgId, status: "busy", counts: {}, kept: {} };
  const { run, resumed } = lease;
  try {
    const totals = await sweepCategories(ctx, run, owner, policies, opts);
    await finishRun(ctx, run.id, owner, totals);
    return { orgId, status: "completed", runId: run.id, resumed, ...totals };
  } catch (err) {
    if (!(err instanceof LeaseLostError)) await releaseRun(ctx, run.id, owner, err);
    throw err;
  }
}

async function sweepCategories(ctx: AppContext, run: RunRow, owner: string, policies: Map<RetentionCategory, PolicyRow>, opts: RetentionOptions) {
  const cursor = cursorOf(run);
  let counts = { ...run.counts };
  let kept = { ...run.kept };
  const from = cursor.category && cursor.category !== "done" ? sweepOrder.indexOf(cursor.category) : cursor.category === "done" ? sweepOrder.length : 0;
  for (let i = Math.max(0, from); i < sweepOrder.length; i++) {
    const category = sweepOrder[i]!;
    const policy = policies.get(category);
    if (!policy) continue;
    const scope: SweepScope = { orgId: run.orgId, policy: policyValues(policy), now: run.startedAt };
    let after = i === from ? (cursor.after ?? null) : null;
    for (;;) {
      const started = performance.now();
      const committed = await ctx.db.transaction(async (tx) => {
        const current = await holdRun(tx, run.id, owner);
        const s = category === "audit_log" ? await pruneAuditBatch(tx, ctx, scope, opts) : await sweepBatch(tx, ctx, sweepers[category], scope, after, opts);
        const nextCounts = { ...current.counts };
        const nextKept = { ...current.kept };
        add(nextCounts, category, s.done);
        add(nextKept, category, s.kept);
        for (const [kind, n] of Object.entries(s.extra)) add(nextCounts, `${category}.${kind}`, n);
        await saveProgress(tx, ctx, current, owner, { counts: nextCounts, kept: nextKept, category, after: s.next });
        if (s.done || s.kept) {
          await appendAudit(tx, ctx, {
            orgId: run.orgId, actor: systemActor, action: "retention.batch", target: { type: "retention_run", id: run.id },
            details: { category, action: scope.policy.action, periodDays: scope.policy.periodDays, done: s.done, kept: s.kept, ...s.extra },
          });
        }
        return { step: s, counts: nextCounts, kept: nextKept };
      });
      const txMs = performance.now() - started;
      ({ counts, kept } = committed);
      const { step } = committed;
      after = step.next;
      await removeFiles(ctx, step.files);
      await opts.onBatch?.({ orgId: run.orgId, runId: run.id, category, done: step.done, kept: step.kept, extra: step.extra, txMs });
      if (step.finished) break;
    }
  }
  return { counts, kept };
}

/** One batch of one category: the candidates after the cursor, minus those kept, within the message budget. */
async function sweepBatch(tx: Tx, ctx: AppContext, sweeper: Sweeper, scope: SweepScope, after: string | null, opts: RetentionOptions): Promise<Step> {
  const limit = opts.batchSize ?? DEFAULT_BATCH;
  const budget = opts.maxMessagesPerBatch ?? DEFAULT_MAX_MESSAGES;
  const page = await candidatePage(tx, sweeper, scope, after, limit);
  const taken: Candidate[] = [];
  let kept = 0;
  let weight = 0;
  let next = after;
  let cut = false;
  for (const row of page) {
    if (!row.kept) {
      if (taken.length > 0 && weight + row.weight > budget) {
        cut = true;
        break;
      }
      taken.push(row);
      weight += row.weight;
    } else kept += 1;
    next = row.id;
  }
  const current = await lockAndRecheck(tx, sweeper, scope, taken.map((r) => r.id));
  const going = current.filter((r) => !r.kept);
  kept += current.length - going.length;
  const applied = going.length ? await sweeper.apply(tx, ctx, scope, going) : { done: 0 };
  return { done: applied.done, kept, extra: applied.extra ?? {}, files: applied.files ?? [], next, finished: !cut && page.length < limit };
}

async function pruneAuditBatch(tx: Tx, ctx: AppContext, scope: SweepScope, opts: RetentionOptions): Promise<Step> {
  const limit = opts.batchSize ?? DEFAULT_BATCH;
  // The organization's own chain, then the shared ones whose entries may be due by its policy (in
  // this order every time, so two organizations' runs take the chains' locks in the same order).
  let done = 0;
  for (const chain of [chainOf(scope.orgId), LEGACY_CHAIN, PLATFORM_CHAIN]) {
    if (done >= limit) break;
    done += await pruneAuditPrefix(tx, ctx, auditRemovable("a", scope.now), limit - done, chain);
  }
  return { done, kept: 0, extra: {}, files: [], next: null, finished: done < limit };
}

/** After commit: the rows no longer name the files, so removing them cannot break a download. */
async function removeFiles(ctx: AppContext, files: string[]): Promise<void> {
  for (const file of files) {
    await exportBlobStore(ctx).remove(file).catch((err: unknown) => {
      ctx.logger.warn({ err: (err as Error).name }, "retention could not remove an export file");
    });
  }
}

async function finishRun(ctx: AppContext, runId: string, owner: string, totals: { counts: Record<string, number>; kept: Record<string, number> }): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const run = await holdRun(tx, runId, owner);
    await tx
      .update(retentionRuns)
      .set({ status: "completed", finishedAt: ctx.clock.now(), cursor: { ...cursorOf(run), category: "done", after: null, leaseUntil: null } })
      .where(eq(retentionRuns.id, runId));
    await appendAudit(tx, ctx, {
      orgId: run.orgId, actor: systemActor, action: "retention.run_completed", target: { type: "retention_run", id: runId },
      details: { counts: totals.counts, kept: totals.kept },
    });
  });
}
