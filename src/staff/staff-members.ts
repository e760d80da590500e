import { and, eq, isNull } from "drizzle-orm";
import type { Executor, Tx } from "../db/client.js";
import { sessions, staffUsers } from "../db/schema/index.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import type { StaffRow } from "../identity/staff-session.js";

/** Audit actions of the admin screens and the invitation. */
export const staffAdminActions = {
  invited: "staff.invited",
  invitationAccepted: "staff.invitation.accepted",
  invitationFailed: "staff.invitation.failed",
  disabled: "staff.disabled",
  enabled: "staff.enabled",
  roleChanged: "staff.role_changed",
  localeChanged: "staff.locale_changed",
} as const;

/** Invitation links work for 72 hours. */
export const INVITE_TTL_MS = 72 * 60 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A staff member of the organization; another organization's (or a guessed id) is "not found". */
export async function staffMemberOf(db: Executor, orgId: string, id: string): Promise<StaffRow> {
  if (!UUID.test(id)) throw new NotFoundError("staff");
  const [row] = await db.select().from(staffUsers).where(and(eq(staffUsers.id, id), eq(staffUsers.orgId, orgId)));
  if (!row) throw new NotFoundError("staff");
  return row;
}

/** The same row, locked for the rest of the transaction. */
export async function lockStaffMember(tx: Tx, orgId: string, id: string): Promise<StaffRow> {
  await staffMemberOf(tx, orgId, id);
  const [row] = await tx.select().from(staffUsers).where(and(eq(staffUsers.id, id), eq(staffUsers.orgId, orgId))).for("update");
  return row!;
}

/**
 * Refuses a change that would leave the organization without an active admin. The active admins
 * are locked first, so two admins demoting each other at the same moment cannot both succeed.
 */
export async function keepAnAdmin(tx: Tx, orgId: string, losing: StaffRow): Promise<void> {
  const admins = await tx
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(and(eq(staffUsers.orgId, orgId), eq(staffUsers.role, "admin"), isNull(staffUsers.disabledAt)))
    .for("update");
  const remaining = admins.filter((a) => a.id !== losing.id);
  if (losing.role === "admin" && !losing.disabledAt && remaining.length === 0) throw new ValidationError({ _form: "staff.errors.lastAdmin" });
}

/** Signs a staff member out everywhere, at once. */
export async function endStaffSessions(tx: Tx, orgId: string, staffId: string): Promise<number> {
  const ended = await tx.delete(sessions).where(and(eq(sessions.orgId, orgId), eq(sessions.staffId, staffId))).returning({ idHash: sessions.idHash });
  return ended.length;
}
