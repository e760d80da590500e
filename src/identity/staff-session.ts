import type { Session } from "../platform/session.js";
import type { AppContext } from "../context.js";
import type { Request, RequestHandler } from "express";
import { eq } from "drizzle-orm";
import { staffUsers } from "../db/schema/index.js";
import { endSession } from "./sessions.js";
import { UnauthenticatedError } from "../platform/errors.js";
import { setNoStore } from "../platform/http/no-store.js";
import type { StaffActor } from "../platform/policy.js";

export type StaffRow = typeof staffUsers.$inferSelect;

/** Re-authentication is fresh for 10 minutes. */
export const REAUTH_MS = 10 * 60_000;

export function recentlyAuthenticated(ctx: Pick<AppContext, "clock">, session: Pick<Session, "reauthAt"> | undefined): boolean {
  const at = session?.reauthAt;
  return !!at && ctx.clock.now().getTime() - at.getTime() <= REAUTH_MS;
}

/** The staff member of a fully signed-in staff session, loaded by requireStaff(). */
export function staffActorOf(req: Request): StaffActor {
  const actor = (req as Request & { staffActor?: StaffActor }).staffActor;
  if (!actor) throw new UnauthenticatedError();
  return actor;
}

/** Loads the staff row of a staff session at stage "complete"; disabled or moved staff are signed out. */
export function requireStaff(): RequestHandler {
  return async (req, res, next) => {
    // Staff pages hold personal data: never kept by the browser or a shared cache.
    setNoStore(res);
    // Already checked for this request (a router's guard, then a route table's): one look-up is enough.
    if ((req as Request & { staffActor?: StaffActor }).staffActor) return next();
    const s = req.session;
    if (s && s.kind === "staff" && s.stage === "complete" && s.staffId) {
      const [staff] = await req.ctx.db.select().from(staffUsers).where(eq(staffUsers.id, s.staffId));
      if (staff && !staff.disabledAt && staff.orgId === s.orgId && staff.orgId === req.org.id) {
        (req as Request & { staffActor?: StaffActor }).staffActor = { type: "staff", id: staff.id, orgId: staff.orgId, role: staff.role, name: staff.name, email: staff.email };
        res.locals.staffArea = true;
        res.locals.staff = staff;
        return next();
      }
      await endSession(req.ctx, res, s);
      req.session = undefined;
      res.locals.session = undefined;
    }
    if (req.method === "GET") return res.redirect(303, `/staff/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    next(new UnauthenticatedError());
  };
}
