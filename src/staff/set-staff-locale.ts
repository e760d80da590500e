import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { sessions, staffUsers } from "../db/schema/index.js";
import type { Session } from "../platform/session.js";
import { appendAudit } from "../platform/audit.js";
import type { Locale } from "../platform/i18n.js";
import type { StaffActor } from "../platform/policy.js";
import { staffAdminActions } from "./staff-members.js";

/**
 * A staff member's own language for the staff area and staff e-mails; null means the
 * organization's default. The current session follows at once.
 */
export async function setStaffLocale(ctx: AppContext, actor: StaffActor, session: Session, locale: Locale | null): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await tx.update(staffUsers).set({ locale }).where(eq(staffUsers.id, actor.id));
    await tx.update(sessions).set({ locale }).where(eq(sessions.idHash, session.idHash));
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor: { type: "staff", id: actor.id, role: actor.role }, action: staffAdminActions.localeChanged,
      target: { type: "staff", id: actor.id }, details: { locale },
    });
  });
}
