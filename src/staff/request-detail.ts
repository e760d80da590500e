import { eidIdentityForStaff } from "../identity/eid-identity.js";
import { subjectById } from "../chats/subject-store.js";
import { conversationsInScope } from "../requests/request-scope.js";
import { and, asc, desc, eq, isNotNull, isNull } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requestNotes, staffUsers, subjects } from "../db/schema/index.js";
import type { RequestRow } from "../requests/change-status.js";
import { requestThread, requestTimeline } from "../requests/requester-queries.js";
import { fulfilmentPanel } from "../fulfilment/panel.js";

/** The conversations a request covers: dates, topics and counts only, never content. */

/** Everything the detail page shows. */
export async function requestDetail(ctx: AppContext, r: RequestRow) {
  const [subjectRows, events, thread, notes, staff, convs] = await Promise.all([
    subjectById(ctx.db, ctx.keys, r.subjectId).then((s) => (s ? [s] : [])),
    requestTimeline(ctx, r.id, { requesterView: false }),
    requestThread(ctx, r),
    ctx.db.select({ id: requestNotes.id, body: requestNotes.body, createdAt: requestNotes.createdAt, authorName: staffUsers.name })
      .from(requestNotes).leftJoin(staffUsers, eq(staffUsers.id, requestNotes.authorId))
      .where(eq(requestNotes.requestId, r.id)).orderBy(desc(requestNotes.createdAt)),
    ctx.db.select({ id: staffUsers.id, name: staffUsers.name, role: staffUsers.role }).from(staffUsers)
      .where(and(eq(staffUsers.orgId, r.orgId), isNull(staffUsers.disabledAt), isNotNull(staffUsers.passwordHash))).orderBy(asc(staffUsers.name)),
    conversationsInScope(ctx.db, r),
  ]);
  const s = subjectRows[0];
  const subject = s ? { displayName: s.displayName, email: s.email, locale: s.locale, emailVerifiedAt: s.emailVerifiedAt, staffVerifiedAt: s.staffVerifiedAt, staffVerifiedNote: s.staffVerifiedNote, restrictedAt: s.restrictedAt, createdAt: s.createdAt, lastActivityAt: s.lastActivityAt } : undefined;
  // Strong eID: the provider and level, and the name the provider gave, for the verification only.
  const eid = r.eidIdentityId ? await eidIdentityForStaff(ctx.db, ctx.keys, r.eidIdentityId) : undefined;
  return { subject, events, thread, notes, staff, conversations: convs, fulfilment: await fulfilmentPanel(ctx, r), eid };
}
