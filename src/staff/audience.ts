import type { Audience } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { recentlyAuthenticated, requireStaff, staffActorOf } from "./guards.js";
import { dropKeptForm, keepFormForReauth, RESUME_PATH } from "./reauth-replay.js";

/**
 * Signed-in staff (password and second factor). Before a destructive change whose last password
 * check is older than REAUTH_MS, the posted form is kept server-side and the staff member is sent
 * to confirm their password, after which they send it again with one click.
 */
export const staffAudience: Audience<StaffActor> = {
  name: "staff",
  guard: requireStaff(),
  actorOf: staffActorOf,
  async reauth(call) {
    if (call.session && recentlyAuthenticated(call.ctx, call.session)) {
      await dropKeptForm(call.ctx, call.session);
      return undefined;
    }
    await keepFormForReauth(call.ctx, call.session!, call.actor.id, call.path, call.form);
    return { redirect: `/staff/reauth?next=${encodeURIComponent(RESUME_PATH)}` };
  },
};
