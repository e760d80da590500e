import type { Audience, Call } from "../platform/http/route-table.js";
import { requesterOf, requireRequester, type Requester } from "./guards.js";
import type { StaffActor } from "../platform/policy.js";
import { recentlyAuthenticated, requireStaff, staffActorOf } from "./staff-session.js";
import { dropKeptForm, keepFormForReauth, RESUME_PATH } from "./reauth-replay.js";

/** A signed-in requester (chat account, e-mail code or receipt code): others are sent to sign in. */
export const requesterAudience: Audience<Requester> = {
  name: "requester",
  guard: requireRequester(),
  actorOf: (req) => requesterOf(req)!,
};

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

/**
 * Signed-in staff whose change, when the last password check is stale, sends them to confirm it
 * and then to `next` (a page showing the form again) — the form is not kept, unlike staffAudience.
 */
export function staffAudienceReauthTo(next: (call: Call<StaffActor>) => string): Audience<StaffActor> {
  return {
    ...staffAudience,
    async reauth(call) {
      return recentlyAuthenticated(call.ctx, call.session) ? undefined : { redirect: `/staff/reauth?next=${encodeURIComponent(next(call))}` };
    },
  };
}
