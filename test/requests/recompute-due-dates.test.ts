import { expect } from "chai";
import { asc, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { auditLog, requests } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { runDataMigrations } from "../../src/platform/data-migrations.js";
import { dataMigrationDefinitions } from "../../src/data-migrations.js";
import { DUE_DATES_RECOMPUTED, recomputeOpenDueDates } from "../../src/requests/recompute-due-dates.js";
import { sealedTexts } from "../support/request-texts.js";

let counter = 0;

describe("data migration: recompute the due dates of open requests", () => {
  let ctx: TestContext;
  let fi: Awaited<ReturnType<typeof makeOrg>>;
  let nl: Awaited<ReturnType<typeof makeOrg>>;
  const touched = new Date("2026-02-10T08:00:00Z");

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-02-20T09:00:00Z");
    fi = await makeOrg(ctx, { country: "FI", timeZone: "Europe/Helsinki" });
    nl = await makeOrg(ctx, { country: "NL", timeZone: "Europe/Amsterdam" });
  });

  /** A request stored with the dates the old counting gave (rolled before pauses and extension). */
  async function stored(org: { id: string }, values: { received: string; status?: string; dueDate: string; effectiveDueDate: string; extendedDueDate?: string; pausedDays?: number; pausedSince?: Date }) {
    counter += 1;
    const [row] = await ctx.db.insert(requests).values({
      orgId: org.id, reference: `RD-MIG${counter}`, type: "access", scope: "all_conversations", dedupeKey: `mig-${counter}`,
      status: values.status ?? "in_review", assurance: "email", locale: "en", receivedAt: new Date(`${values.received}T10:00:00Z`),
      dueDate: values.dueDate, effectiveDueDate: values.effectiveDueDate, extendedDueDate: values.extendedDueDate ?? null,
      extendedAt: values.extendedDueDate ? new Date(`${values.received}T12:00:00Z`) : null, ...(await sealedTexts(ctx, { orgId: org.id, subjectId: null }, { extensionReason: values.extendedDueDate ? "Three systems to search" : null })),
      pausedDays: values.pausedDays ?? 0, pausedSince: values.pausedSince ?? null, updatedAt: touched,
    }).returning();
    return row!;
  }
  const reread = async (id: string) => (await ctx.db.select().from(requests).where(eq(requests.id, id)))[0]!;
  const dates = (r: typeof requests.$inferSelect) => ({ dueDate: r.dueDate, extendedDueDate: r.extendedDueDate, effectiveDueDate: r.effectiveDueDate });
  const recomputedEntries = () => ctx.db.select().from(auditLog).where(eq(auditLog.action, DUE_DATES_RECOMPUTED)).orderBy(asc(auditLog.seq));

  it("moves old dates to the new counting, one audit entry per changed request, and changes nothing when run again", async () => {
    // FI, 31 Jan 2026 + 5 paused: old Mon 2 Mar + 5 = Sat 7 → Mon 9 Mar; new Sat 28 Feb + 5 = Thu 5 Mar.
    const paused = await stored(fi, { received: "2026-01-31", dueDate: "2026-03-02", effectiveDueDate: "2026-03-09", pausedDays: 5 });
    // FI, 31 Jan 2026 extended: old 31 Jan + 3 months = Thu 30 Apr; new 28 Feb + 2 months = Tue 28 Apr.
    const extended = await stored(fi, { received: "2026-01-31", dueDate: "2026-03-02", extendedDueDate: "2026-04-30", effectiveDueDate: "2026-04-30" });
    // FI, 30 Nov 2026 extended + 3 paused: extended Sun 28 Feb 2027 → Mon 1 Mar either way;
    // old 1 Mar + 3 = Thu 4 Mar, new 28 Feb + 3 = Wed 3 Mar.
    const both = await stored(fi, { received: "2026-11-30", status: "awaiting_requester", dueDate: "2026-12-30", extendedDueDate: "2027-03-01", effectiveDueDate: "2027-03-04", pausedDays: 3 });
    // NL, 31 Jan 2026 extended + 7 paused: old Thu 30 Apr + 7 = Thu 7 May; new Tue 28 Apr + 7 =
    // Liberation Day Tue 5 May → Wed 6 May.
    const dutch = await stored(nl, { received: "2026-01-31", status: "approved", dueDate: "2026-03-02", extendedDueDate: "2026-04-30", effectiveDueDate: "2026-05-07", pausedDays: 7 });
    // Already right under both countings: 10 Feb 2026 → Tue 10 Mar, paused now (running pauses are projected when read).
    const right = await stored(fi, { received: "2026-02-10", status: "awaiting_identity", dueDate: "2026-03-10", effectiveDueDate: "2026-03-10", pausedSince: new Date("2026-02-15T08:00:00Z") });
    // Closed: answered against the dates it had, which stay.
    const closed = await stored(fi, { received: "2026-01-31", status: "completed", dueDate: "2026-03-02", effectiveDueDate: "2026-03-09", pausedDays: 5 });
    const withdrawn = await stored(nl, { received: "2026-01-31", status: "withdrawn", dueDate: "2026-03-02", extendedDueDate: "2026-04-30", effectiveDueDate: "2026-04-30" });

    expect(await runDataMigrations(ctx, dataMigrationDefinitions())).to.deep.equal(["requests.recompute-due-dates-unrolled-end", "subjects.seal-personal-fields", "exports.encrypt-existing-files", "requests.seal-texts", "outbox.seal-rows"]);

    expect(dates(await reread(paused.id))).to.deep.equal({ dueDate: "2026-03-02", extendedDueDate: null, effectiveDueDate: "2026-03-05" });
    expect(dates(await reread(extended.id))).to.deep.equal({ dueDate: "2026-03-02", extendedDueDate: "2026-04-28", effectiveDueDate: "2026-04-28" });
    expect(dates(await reread(both.id))).to.deep.equal({ dueDate: "2026-12-30", extendedDueDate: "2027-03-01", effectiveDueDate: "2027-03-03" });
    expect(dates(await reread(dutch.id))).to.deep.equal({ dueDate: "2026-03-02", extendedDueDate: "2026-04-28", effectiveDueDate: "2026-05-06" });
    expect(dates(await reread(right.id))).to.deep.equal(dates(right));
    expect(dates(await reread(closed.id))).to.deep.equal(dates(closed));
    expect(dates(await reread(withdrawn.id))).to.deep.equal(dates(withdrawn));
    // A recount is not activity on the request.
    expect((await reread(paused.id)).updatedAt.toISOString()).to.equal(touched.toISOString());

    const entries = await recomputedEntries();
    expect(entries.map((e) => e.targetId)).to.have.members([paused.id, extended.id, both.id, dutch.id]);
    const forDutch = entries.find((e) => e.targetId === dutch.id)!;
    expect(forDutch.orgId).to.equal(nl.id);
    expect(forDutch.actorType).to.equal("system");
    expect(forDutch.details).to.deep.include({
      reference: dutch.reference,
      pausedDays: 7,
      before: { dueDate: "2026-03-02", extendedDueDate: "2026-04-30", effectiveDueDate: "2026-05-07" },
      after: { dueDate: "2026-03-02", extendedDueDate: "2026-04-28", effectiveDueDate: "2026-05-06" },
    });
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);

    // Run again: the runner skips it; and the migration itself finds nothing left to change.
    const after = await Promise.all([paused, extended, both, dutch, right].map((r) => reread(r.id)));
    expect(await runDataMigrations(ctx, dataMigrationDefinitions())).to.deep.equal([]);
    await ctx.db.transaction((tx) => recomputeOpenDueDates(ctx, tx));
    expect((await recomputedEntries()).length).to.equal(4);
    for (const r of after) expect(dates(await reread(r.id))).to.deep.equal(dates(r));
  });

  it("leaves a database with only correct dates untouched", async () => {
    await stored(fi, { received: "2026-01-31", dueDate: "2026-03-02", effectiveDueDate: "2026-03-05", pausedDays: 5 });
    await stored(nl, { received: "2026-01-31", dueDate: "2026-03-02", extendedDueDate: "2026-04-28", effectiveDueDate: "2026-04-28" });
    await ctx.db.transaction((tx) => recomputeOpenDueDates(ctx, tx));
    expect(await recomputedEntries()).to.have.length(0);
  });
});
