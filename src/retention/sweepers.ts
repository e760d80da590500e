/**
 * One sweeper per data category. Each names its candidates in SQL — rows of the organization
 * whose period ended, with a `kept` flag for those that must stay (legal hold, restriction, an
 * open request or complaint) — and applies the policy's action to one batch of them. The run
 * (run-retention.ts) pages through candidates by id, so kept rows are counted once and skipped.
 */
import { openSubjects } from "../chats/subject-store.js";
import { inArray, sql, type SQL } from "drizzle-orm";
import { subjects } from "../db/schema/index.js";
import { rowsOf, type Executor, type Tx } from "../db/client.js";
import type { KeyRing } from "../platform/crypto.js";
import { recordIngestTombstones } from "../chats/ingest-tombstones.js";
import { openStatuses, closedStatuses } from "../requests/lifecycle.js";
import type { PolicyValues, RetentionCategory } from "./categories.js";

export interface SweepScope {
  orgId: string;
  policy: PolicyValues;
  /** The run's reference time: a resumed run keeps the cutoff it started with. */
  now: Date;
}

export interface Candidate {
  id: string;
  kept: boolean;
  /** How heavy the row is (a conversation's messages), to keep each transaction short. */
  weight: number;
  [column: string]: unknown;
}

export interface Applied {
  /** Rows of the category removed or changed (conversations, accounts, requests …). */
  done: number;
  /** What went with them, per kind (messages, notes, sessions …). */
  extra?: Record<string, number>;
  /** Files to remove once the transaction committed (export packages). */
  files?: string[];
}

export interface Sweeper {
  /** The table whose rows the action removes or changes (locked before the final check). */
  table: "conversations" | "subjects" | "requests" | "request_messages" | "exports" | "outbox";
  /** SELECT id, kept, weight, … of expired rows (no ORDER BY or LIMIT). */
  candidates(scope: SweepScope): SQL;
  /** Applies the action to rows that are not kept, inside the batch's transaction. */
  apply(tx: Tx, deps: { keys: KeyRing }, scope: SweepScope, rows: Candidate[]): Promise<Applied>;
}

const DAY_MS = 86_400_000;
const iso = (d: Date) => d.toISOString();
export const cutoffOf = (scope: SweepScope) => new Date(scope.now.getTime() - scope.policy.periodDays * DAY_MS);
const cutoff = (scope: SweepScope) => sql`${iso(cutoffOf(scope))}::timestamptz`;
const now = (scope: SweepScope) => sql`${iso(scope.now)}::timestamptz`;
const uuids = (ids: string[]) => sql`${sql.param(ids)}::uuid[]`;
const texts = (values: readonly string[]) => sql`${sql.param([...values])}::text[]`;

export const affected = (result: unknown): number =>
  Number((result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0);

async function execCount(tx: Executor, query: SQL): Promise<number> {
  const rows = rowsOf<{ n: number | string }>(await tx.execute(sql`with gone as (${query} returning 1) select count(*)::int as n from gone`));
  return Number(rows[0]?.n ?? 0);
}

/* ---------------------------------------------------------------- conversations and IP addresses */

/** A conversation stays while it is under legal hold, restricted (itself or its person), or part of an open request. */
const conversationKept = sql`(
  c.legal_hold_at is not null or c.restricted_at is not null or s.restricted_at is not null
  or exists (
    select 1 from requests r
    where r.org_id = c.org_id and r.status = any(${texts(openStatuses)})
      and (r.receipt_conversation_id = c.id or c.id = any(r.conversation_ids)
           or (r.scope = 'all_conversations' and c.subject_id is not null and r.subject_id = c.subject_id))
  )
)`;

/** A chat's own time: its end, or its start when the platform never sent an end. */
const chatTime = sql`coalesce(c.ended_at, c.started_at)`;

/** "Since the last conversation": for a person with an account, the latest of all their chats. */
const lastConversation = sql`greatest(
  ${chatTime}, s.last_activity_at,
  (select max(coalesce(c2.ended_at, c2.started_at)) from conversations c2 where c.subject_id is not null and c2.subject_id = c.subject_id)
)`;

export const conversationsSweeper: Sweeper = {
  table: "conversations",
  candidates(scope) {
    const basis = scope.policy.basis === "created" ? sql`c.started_at` : lastConversation;
    // A tombstone is already what a tombstone policy leaves; a delete policy removes it too.
    const notYetTombstoned = scope.policy.action === "tombstone" ? sql`and c.erased_at is null` : sql``;
    return sql`select c.id as id, ${conversationKept} as kept, c.message_count as weight, c.external_id, c.data_key_id
      from conversations c left join subjects s on s.id = c.subject_id
      where c.org_id = ${scope.orgId} and ${basis} <= ${cutoff(scope)} ${notYetTombstoned}`;
  },
  async apply(tx, deps, scope, rows) {
    const ids = rows.map((r) => r.id);
    const keyIds = rows.map((r) => r.data_key_id as string | null).filter((k): k is string => !!k);
    const messages = await execCount(tx, sql`delete from messages where conversation_id = any(${uuids(ids)})`);
    const notes = await execCount(tx, sql`delete from notes where conversation_id = any(${uuids(ids)})`);
    const statements = await execCount(tx, sql`delete from conversation_statements where conversation_id = any(${uuids(ids)})`);
    // The platform's ids are remembered as keyed hashes, so a late delivery cannot bring them back.
    await recordIngestTombstones(tx, deps.keys, scope.orgId, "conversation", rows.map((r) => r.external_id as string | null));
    let done: number;
    if (scope.policy.action === "tombstone") {
      done = await execCount(tx, sql`update conversations set
          subject_id = null, external_id = null, receipt_code_hash = null, language = null, ended_at = null,
          ip_enc = null, ip_truncated_at = coalesce(ip_truncated_at, ${now(scope)}), message_count = 0, data_key_id = null,
          legal_hold_reason = null, research_objection_at = null,
          erased_at = coalesce(erased_at, ${now(scope)}), erased_by_reference = coalesce(erased_by_reference, 'retention')
        where id = any(${uuids(ids)})`);
    } else {
      done = await execCount(tx, sql`delete from conversations where id = any(${uuids(ids)})`);
    }
    await destroyDataKeys(tx, keyIds);
    return { done, extra: { messages, notes, statements } };
  },
};

/** Destroying a conversation's data key crypto-shreds whatever a backup still holds. */
async function destroyDataKeys(tx: Tx, keyIds: string[]): Promise<void> {
  if (keyIds.length === 0) return;
  await tx.execute(sql`delete from data_keys where id = any(${uuids(keyIds)})`);
}

export const ipAddressesSweeper: Sweeper = {
  table: "conversations",
  candidates(scope) {
    const basis = scope.policy.basis === "created" ? sql`c.started_at` : chatTime;
    return sql`select c.id as id, ${conversationKept} as kept, 1 as weight
      from conversations c left join subjects s on s.id = c.subject_id
      where c.org_id = ${scope.orgId} and c.ip_enc is not null and ${basis} <= ${cutoff(scope)}`;
  },
  async apply(tx, _deps, scope, rows) {
    const done = await execCount(tx, sql`update conversations set ip_enc = null, ip_truncated_at = ${now(scope)} where id = any(${uuids(rows.map((r) => r.id))})`);
    return { done };
  },
};

/* ---------------------------------------------------------------- accounts */

/** A person's record stays while restricted, while they have an open request, or while one of their chats is held. */
const subjectKept = sql`(
  s.restricted_at is not null
  or exists (select 1 from requests r where r.subject_id = s.id and r.status = any(${texts(openStatuses)}))
  or exists (select 1 from conversations c where c.subject_id = s.id and (c.legal_hold_at is not null or c.restricted_at is not null))
)`;

/** The latest sign of life: a chat, a verified address, a portal session. */
const subjectLastActivity = sql`greatest(
  s.created_at, s.last_activity_at, s.email_verified_at, s.staff_verified_at,
  (select max(coalesce(c.ended_at, c.started_at)) from conversations c where c.subject_id = s.id),
  (select max(x.last_seen_at) from sessions x where x.subject_id = s.id)
)`;

async function deleteSubjects(tx: Tx, keys: KeyRing, orgId: string, rows: Candidate[]): Promise<Applied> {
  const ids = rows.map((r) => r.id);
  // The platform ids are sealed under each subject's key: opened here, before the keys go with the rows.
  const profiles = await openSubjects(tx, keys, await tx.select().from(subjects).where(inArray(subjects.id, ids)));
  await recordIngestTombstones(tx, keys, orgId, "subject", profiles.map((p) => p.externalId));
  const sessions = await execCount(tx, sql`delete from sessions where subject_id = any(${uuids(ids)})`);
  await tx.execute(sql`delete from password_resets where subject_id = any(${uuids(ids)})`);
  // Conversations and closed requests stay (their subject_id becomes null); their own policies decide.
  const done = await execCount(tx, sql`delete from subjects where id = any(${uuids(ids)})`);
  return { done, extra: { sessions } };
}

function subjectSweeper(filter: SQL, basisOf: (scope: SweepScope) => SQL): Sweeper {
  return {
    table: "subjects",
    candidates(scope) {
      return sql`select s.id as id, ${subjectKept} as kept, 1 as weight
        from subjects s where s.org_id = ${scope.orgId} and ${filter} and ${basisOf(scope)} <= ${cutoff(scope)}`;
    },
    apply: (tx, deps, scope, rows) => deleteSubjects(tx, deps.keys, scope.orgId, rows),
  };
}

export const subjectAccountsSweeper = subjectSweeper(sql`true`, (scope) => (scope.policy.basis === "created" ? sql`s.created_at` : subjectLastActivity));

/** Accounts someone can sign in to (a password) with no sign of life for the period. */
export const inactiveAccountsSweeper = subjectSweeper(sql`s.password_hash is not null`, () => subjectLastActivity);

/** Records nobody ever used: no verified address, no chat, no request, no session. */
export const unactivatedAccountsSweeper = subjectSweeper(
  sql`s.email_verified_at is null and s.staff_verified_at is null and s.last_activity_at is null
    and not exists (select 1 from conversations c where c.subject_id = s.id)
    and not exists (select 1 from requests r where r.subject_id = s.id)
    and not exists (select 1 from sessions x where x.subject_id = s.id)`,
  () => sql`s.created_at`,
);

/** Accounts never linked to a chat and never used for a request (an abandoned sign-up). */
export const unlinkedAccountsSweeper = subjectSweeper(
  sql`not exists (select 1 from conversations c where c.subject_id = s.id)
    and not exists (select 1 from requests r where r.subject_id = s.id)`,
  () => sql`s.created_at`,
);

/** Accounts known only by an e-mail address (no password) with no sign of life for the period. */
export const inactiveEmailAccountsSweeper = subjectSweeper(sql`s.password_hash is null`, () => subjectLastActivity);

/** Kept outside Rightsdesk (contact forms, backups): the rule is told in the package, nothing is swept here. */
export const toldOnlySweeper: Sweeper = {
  table: "outbox",
  candidates: () => sql`select null::uuid as id, false as kept, 1 as weight where false`,
  apply: async () => ({ done: 0 }),
};

/* ---------------------------------------------------------------- requests */

/** E-mail correspondence: messages of a closed request, each once it is older than the period. */
export const emailCorrespondenceSweeper: Sweeper = {
  table: "request_messages",
  candidates(scope) {
    return sql`select m.id as id, ${requestKept} as kept, 1 as weight
      from request_messages m join requests r on r.id = m.request_id
      where r.org_id = ${scope.orgId} and r.status = any(${texts(closedStatuses)}) and m.created_at <= ${cutoff(scope)}`;
  },
  async apply(tx, _deps, _scope, rows) {
    return { done: await execCount(tx, sql`delete from request_messages where id = any(${uuids(rows.map((r) => r.id))})`) };
  },
};

/** A closed request stays while a complaint about it is unanswered or went to the authority. */
const requestKept = sql`exists (select 1 from complaints k where k.request_id = r.id and k.status in ('open', 'escalated'))`;

const requestLastActivity = sql`greatest(
  r.received_at, r.updated_at, r.paused_since, r.decided_at, r.completed_at,
  (select max(m.created_at) from request_messages m where m.request_id = r.id)
)`;

const TOMBSTONED_REQUEST = sql`r.details ->> 'retention' = 'tombstoned'`;

/** Requests whose identity check the requester never answered (awaiting identity for the whole period). */
export const unverifiedRequestsSweeper: Sweeper = {
  table: "requests",
  candidates(scope) {
    const basis = scope.policy.basis === "created" ? sql`r.received_at` : requestLastActivity;
    return sql`select r.id as id, false as kept, 1 as weight
      from requests r where r.org_id = ${scope.orgId} and r.status = 'awaiting_identity' and ${basis} <= ${cutoff(scope)}`;
  },
  async apply(tx, _deps, _scope, rows) {
    // Events, messages, notes and recipient tasks go with the request (ON DELETE CASCADE).
    return { done: await execCount(tx, sql`delete from requests where id = any(${uuids(rows.map((r) => r.id))})`) };
  },
};

export const closedRequestsSweeper: Sweeper = {
  table: "requests",
  candidates(scope) {
    const basis = scope.policy.basis === "created" ? sql`r.received_at` : requestLastActivity;
    const notYetTombstoned = scope.policy.action === "tombstone" ? sql`and not coalesce(${TOMBSTONED_REQUEST}, false)` : sql``;
    return sql`select r.id as id, ${requestKept} as kept, 1 as weight
      from requests r where r.org_id = ${scope.orgId} and r.status = any(${texts(closedStatuses)}) and ${basis} <= ${cutoff(scope)} ${notYetTombstoned}`;
  },
  async apply(tx, _deps, scope, rows): Promise<Applied> {
    const ids = uuids(rows.map((r) => r.id));
    if (scope.policy.action === "delete") {
      return { done: await execCount(tx, sql`delete from requests where id = any(${ids})`) };
    }
    // Tombstone: the register keeps reference, type, dates, status and decision; who and what is gone.
    const messages = await execCount(tx, sql`delete from request_messages where request_id = any(${ids})`);
    await tx.execute(sql`delete from request_notes where request_id = any(${ids})`);
    await tx.execute(sql`update request_events set note = null where request_id = any(${ids})`);
    // A receipt-code request's own key goes with its texts (a subject's key stays: the person remains).
    await tx.execute(sql`delete from subject_keys k using requests r where r.id = any(${ids}) and k.id = r.subject_key_id and k.subject_id is null`);
    const done = await execCount(tx, sql`update requests set subject_id = null, receipt_conversation_id = null, conversation_ids = '{}',
        details = '{"retention":"tombstoned"}'::jsonb, subject_key_id = null, details_enc = null, decision_reason_enc = null, extension_reason_enc = null, updated_at = ${now(scope)}
      where id = any(${ids})`);
    return { done, extra: { messages } };
  },
};

/* ---------------------------------------------------------------- exports and outbox */

export const exportsSweeper: Sweeper = {
  table: "exports",
  candidates(scope) {
    const basis = scope.policy.basis === "created" ? sql`e.created_at` : sql`greatest(e.created_at, e.ready_at)`;
    return sql`select e.id as id,
        exists (select 1 from requests r where r.id = e.request_id and r.status = any(${texts(openStatuses)})) as kept,
        1 as weight, e.path
      from exports e where e.org_id = ${scope.orgId} and e.status in ('ready', 'failed', 'expired') and ${basis} <= ${cutoff(scope)}`;
  },
  async apply(tx, _deps, _scope, rows) {
    const done = await execCount(tx, sql`delete from exports where id = any(${uuids(rows.map((r) => r.id))})`);
    return { done, files: rows.map((r) => r.path as string | null).filter((p): p is string => !!p) };
  },
};

export const outboxSweeper: Sweeper = {
  table: "outbox",
  candidates(scope) {
    const basis = scope.policy.basis === "created" ? sql`o.created_at` : sql`coalesce(o.sent_at, o.created_at)`;
    return sql`select o.id as id, false as kept, 1 as weight
      from outbox o where o.org_id = ${scope.orgId} and o.status in ('sent', 'failed') and ${basis} <= ${cutoff(scope)}`;
  },
  async apply(tx, _deps, _scope, rows) {
    return { done: await execCount(tx, sql`delete from outbox where id = any(${uuids(rows.map((r) => r.id))})`) };
  },
};

/** Every category but the audit log, which is pruned from its oldest end (prune-audit.ts). */
export const sweepers: Record<Exclude<RetentionCategory, "audit_log">, Sweeper> = {
  conversations: conversationsSweeper,
  ip_addresses: ipAddressesSweeper,
  subject_accounts: subjectAccountsSweeper,
  inactive_accounts: inactiveAccountsSweeper,
  unactivated_accounts: unactivatedAccountsSweeper,
  unlinked_accounts: unlinkedAccountsSweeper,
  inactive_email_accounts: inactiveEmailAccountsSweeper,
  email_correspondence: emailCorrespondenceSweeper,
  contact_form_submissions: toldOnlySweeper,
  backups: toldOnlySweeper,
  unverified_requests: unverifiedRequestsSweeper,
  closed_requests: closedRequestsSweeper,
  exports: exportsSweeper,
  outbox: outboxSweeper,
};

const asCandidates = (result: unknown) =>
  rowsOf<Candidate>(result).map((r) => ({ ...r, kept: r.kept === true || (r.kept as unknown) === "t", weight: Number(r.weight ?? 1) }));

/** One page of candidates after `after` (by id), in id order. */
export async function candidatePage(db: Executor, sweeper: Sweeper, scope: SweepScope, after: string | null, limit: number): Promise<Candidate[]> {
  const from = after ?? "00000000-0000-0000-0000-000000000000";
  return asCandidates(await db.execute(sql`select * from (${sweeper.candidates(scope)}) x where x.id > ${from}::uuid order by x.id limit ${limit}`));
}

/**
 * Locks the rows about to go, then asks again whether each must stay: a legal hold or restriction
 * committed while this batch was choosing is seen now (the new statement reads the latest
 * committed data, and the lock makes a writer in flight finish first). Returns the rows as they
 * stand; rows gone meanwhile are left out.
 */
export async function lockAndRecheck(tx: Tx, sweeper: Sweeper, scope: SweepScope, ids: string[]): Promise<Candidate[]> {
  if (ids.length === 0) return [];
  await tx.execute(sql`select id from ${sql.identifier(sweeper.table)} where id = any(${uuids(ids)}) order by id for update`);
  return asCandidates(await tx.execute(sql`select * from (${sweeper.candidates(scope)}) x where x.id = any(${uuids(ids)}) order by x.id`));
}

/** What a run would remove and keep (for --dry-run and the preview). */
export async function countCandidates(db: Executor, sweeper: Sweeper, scope: SweepScope): Promise<{ due: number; kept: number; weight: number }> {
  const [row] = rowsOf<{ due: number | string; kept: number | string; weight: number | string }>(
    await db.execute(sql`select count(*) filter (where not x.kept)::int as due, count(*) filter (where x.kept)::int as kept,
        coalesce(sum(x.weight) filter (where not x.kept), 0)::bigint as weight
      from (${sweeper.candidates(scope)}) x`),
  );
  return { due: Number(row?.due ?? 0), kept: Number(row?.kept ?? 0), weight: Number(row?.weight ?? 0) };
}
