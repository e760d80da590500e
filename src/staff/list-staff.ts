import { asc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { staffUsers, type StaffRole } from "../db/schema/index.js";
import type { StaffActor } from "../platform/policy.js";

export interface StaffListRow {
  id: string;
  name: string;
  email: string;
  role: StaffRole;
  locale: string | null;
  totpEnrolled: boolean;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  /** Invited but no password set yet; expired when the link no longer works. */
  invitation: "none" | "pending" | "expired";
  isSelf: boolean;
}

/** The organization's staff for the admin screen: never secrets or hashes. */
export async function listStaff(ctx: AppContext, actor: StaffActor): Promise<StaffListRow[]> {
  const now = ctx.clock.now();
  const rows = await ctx.db.select().from(staffUsers).where(eq(staffUsers.orgId, actor.orgId)).orderBy(asc(staffUsers.name), asc(staffUsers.email));
  return rows.map((s) => ({
    id: s.id,
    name: s.name,
    email: s.email,
    role: s.role,
    locale: s.locale,
    totpEnrolled: s.totpEnrolledAt !== null,
    disabledAt: s.disabledAt,
    lastSignInAt: s.lastSignInAt,
    invitation: s.passwordHash ? "none" : s.inviteExpiresAt && s.inviteExpiresAt > now && s.inviteTokenHash ? "pending" : "expired",
    isSelf: s.id === actor.id,
  }));
}
