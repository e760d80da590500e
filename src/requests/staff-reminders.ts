import { and, count, eq, isNotNull, isNull, lt, lte, notInArray, or } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { conversations, organizations, requests, staffUsers } from "../db/schema/index.js";
import { closedStatuses } from "./lifecycle.js";
import { currentDueDate, daysLeft, isOverdue, localDate } from "./deadlines.js";
import { staffQueueUrl, staffRequestUrl } from "../mail/links.js";
import { queueMail } from "../mail/queue-mail.js";

type Organization = typeof organizations.$inferSelect;

/** "Due soon" means due today or within this many days. */
export const DUE_SOON_DAYS = 7;

const closed = [...closedStatuses];


interface Recipient {
  /** Stable per recipient, for dedupe keys. */
  key: string;
  email: string;
  /** The staff member's chosen language, else the organization's default. */
  locale: string;
}

/** Every active dpo of the organization (invitations not yet accepted excluded); the organization's DPO address if it has none. */
async function dpoRecipients(db: Executor, org: Organization): Promise<Recipient[]> {
  const dpos = await db
    .select({ id: staffUsers.id, email: staffUsers.email, locale: staffUsers.locale })
    .from(staffUsers)
    .where(and(eq(staffUsers.orgId, org.id), eq(staffUsers.role, "dpo"), isNull(staffUsers.disabledAt), isNotNull(staffUsers.passwordHash)))
    .orderBy(staffUsers.email);
  if (dpos.length > 0) return dpos.map((d) => ({ key: `staff:${d.id}`, email: d.email, locale: d.locale ?? org.defaultLocale }));
  return org.dpoEmail ? [{ key: "org-dpo", email: org.dpoEmail, locale: org.defaultLocale }] : [];
}

function plusDays(ymd: string, days: number): string {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export interface DueCounts {
  dueSoon: number;
  overdue: number;
  /** Open requests whose requester needs the answer within DUE_SOON_DAYS (or already did). */
  urgent: number;
}

/** Open requests of an organization due within DUE_SOON_DAYS (today included) and overdue ones. */
export async function dueCounts(ctx: AppContext, org: Organization, now: Date): Promise<DueCounts> {
  const today = localDate(now, org.timeZone);
  // A running pause only moves a date later, so the effective date bounds what can count.
  const rows = await ctx.db
    .select({
      receivedAt: requests.receivedAt,
      effectiveDueDate: requests.effectiveDueDate,
      extendedDueDate: requests.extendedDueDate,
      pausedDays: requests.pausedDays,
      pausedSince: requests.pausedSince,
      neededBy: requests.neededBy,
    })
    .from(requests)
    .where(and(
      eq(requests.orgId, org.id), notInArray(requests.status, closed),
      or(lte(requests.effectiveDueDate, plusDays(today, DUE_SOON_DAYS)), lte(requests.neededBy, plusDays(today, DUE_SOON_DAYS))),
    ));
  const counts: DueCounts = { dueSoon: 0, overdue: 0, urgent: 0 };
  for (const r of rows) {
    if (r.neededBy && r.neededBy <= plusDays(today, DUE_SOON_DAYS)) counts.urgent += 1;
    if (r.effectiveDueDate > plusDays(today, DUE_SOON_DAYS)) continue;
    const left = daysLeft(now, currentDueDate(r, org, now), org.timeZone);
    if (left < 0) counts.overdue += 1;
    else if (left <= DUE_SOON_DAYS) counts.dueSoon += 1;
  }
  return counts;
}

/** Legal holds of the organization whose review date (its local date) is today or past: the DPO must renew or lift each. */
export async function holdsDueForReview(db: Executor, orgId: string, today: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(conversations).where(and(
    eq(conversations.orgId, orgId), isNotNull(conversations.legalHoldAt), isNull(conversations.erasedAt), lte(conversations.legalHoldReviewOn, today),
  ));
  return row?.n ?? 0;
}

/**
 * The daily digest: each active dpo gets the counts of their organization's requests due within
 * 7 days and overdue, and of legal holds due for review, at most once per local day (the outbox dedupe key), and only when there is
 * something to report. Safe to run any number of times.
 */
export async function sendDpoDigests(ctx: AppContext): Promise<{ queued: number }> {
  const now = ctx.clock.now();
  let queued = 0;
  for (const org of await ctx.db.select().from(organizations)) {
    const recipients = await dpoRecipients(ctx.db, org);
    if (recipients.length === 0) continue;
    const today = localDate(now, org.timeZone);
    const counts = { ...(await dueCounts(ctx, org, now)), holdsDue: await holdsDueForReview(ctx.db, org.id, today) };
    if (counts.dueSoon === 0 && counts.overdue === 0 && counts.urgent === 0 && counts.holdsDue === 0) continue;
    for (const r of recipients) {
      const added = await queueMail(ctx.db, ctx, {
        orgId: org.id,
        to: r.email,
        template: "staff_digest",
        locale: r.locale,
        data: { ...counts, date: today, queueUrl: staffQueueUrl(ctx), orgName: org.name },
        dedupeKey: `staff_digest:${org.id}:${r.key}:${today}`,
      });
      if (added) queued += 1;
    }
  }
  return { queued };
}

/**
 * When a request turns overdue (its organization's local date is past its due date) each dpo of
 * the organization is alerted once: the mails and requests.overdue_notified_at are written in one
 * transaction, under a row lock, so two instances cannot both alert.
 */
export async function alertNewlyOverdue(ctx: AppContext): Promise<{ requests: number; queued: number }> {
  const now = ctx.clock.now();
  const result = { requests: 0, queued: 0 };
  for (const org of await ctx.db.select().from(organizations)) {
    const today = localDate(now, org.timeZone);
    const candidates = await ctx.db
      .select({ id: requests.id })
      .from(requests)
      .where(
        and(
          eq(requests.orgId, org.id),
          notInArray(requests.status, closed),
          isNull(requests.overdueNotifiedAt),
          lt(requests.effectiveDueDate, today),
        ),
      )
      .orderBy(requests.effectiveDueDate);
    for (const { id } of candidates) {
      const queued = await ctx.db.transaction(async (tx) => {
        const [r] = await tx
          .select()
          .from(requests)
          .where(and(eq(requests.id, id), isNull(requests.overdueNotifiedAt), notInArray(requests.status, closed)))
          .for("update", { skipLocked: true });
        if (!r) return undefined;
        const due = currentDueDate(r, org, now);
        if (!isOverdue(now, due, org.timeZone)) return undefined;
        let count = 0;
        for (const recipient of await dpoRecipients(tx, org)) {
          const added = await queueMail(tx, ctx, {
            orgId: org.id,
            to: recipient.email,
            template: "staff_overdue_alert",
            locale: recipient.locale,
            data: { reference: r.reference, dueDate: due, requestUrl: staffRequestUrl(ctx, r.id), orgName: org.name },
            dedupeKey: `staff_overdue_alert:${r.id}:${due}:${recipient.key}`,
          });
          if (added) count += 1;
        }
        await tx.update(requests).set({ overdueNotifiedAt: now }).where(eq(requests.id, r.id));
        return count;
      });
      if (queued !== undefined) {
        result.requests += 1;
        result.queued += queued;
      }
    }
  }
  return result;
}
