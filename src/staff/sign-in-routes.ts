/**
 * Staff sign-in as route tables: the password, the second factor (enrolment, code, recovery
 * codes), signing out — public, rate-limited per client, address and session — and, once signed
 * in, the fresh password check before a destructive change and the kept form sent again after it.
 */
import type { RequestHandler } from "express";
import type { AppContext } from "../context.js";
import { emailHash, normalizeEmail } from "../identity/email-address.js";
import { safeNext } from "../identity/safe-next.js";
import { clearedSessionCookieChange, sessionCookieChange } from "../identity/sessions.js";
import { staffAudience } from "../identity/audience.js";
import { recentlyAuthenticated } from "../identity/staff-session.js";
import { keptForm, RESUME_PATH } from "../identity/reauth-replay.js";
import { UnauthenticatedError, ValidationError, ConflictError } from "../platform/errors.js";
import { limiter } from "../platform/http/rate-limit.js";
import { publicAudience, route, type Answer, type Call } from "../platform/http/route-table.js";
import type { Session } from "../platform/session.js";
import type { StaffActor } from "../platform/policy.js";
import { keptFormView } from "./kept-form-view.js";
import { acknowledgeRecoveryCodes, issueRecoveryCodes, RECOVERY_CODES_STAGE } from "./recovery-codes.js";
import { reauthenticate } from "./reauthenticate.js";
import { staffLocaleCookie } from "./route-helpers.js";
import { codeSchema, passwordSchema, signInSchema } from "./schema.js";
import { signInStaff, signOutStaff } from "./sign-in-staff.js";
import { staffHome } from "./staff-home.js";
import { completeTotp, totpEnrolment } from "./totp.js";

const RECOVERY_CODES_PATH = "/staff/totp/recovery-codes";
const NO_STORE = { "Cache-Control": "no-store" };

export interface SignInLimits { perIp: RequestHandler; perEmail: RequestHandler; perTotp: RequestHandler; perReauth: RequestHandler }

export function signInLimits(ctx: AppContext): SignInLimits {
  const bySession: Parameters<typeof limiter>[1]["key"] = (req) => req.session?.staffId ?? undefined;
  return {
    perIp: limiter(ctx, { name: "staff-sign-in-ip", windowMs: 15 * 60_000, limit: 30 }),
    perEmail: limiter(ctx, {
      name: "staff-sign-in-email", windowMs: 15 * 60_000, limit: 10,
      key: (req) => { const e = (req.body as { email?: unknown })?.email; return typeof e === "string" && e ? `${req.org.id}:${emailHash(ctx.keys, normalizeEmail(e))}` : undefined; },
    }),
    perTotp: limiter(ctx, { name: "staff-totp", windowMs: 15 * 60_000, limit: 10, key: bySession }),
    perReauth: limiter(ctx, { name: "staff-reauth", windowMs: 15 * 60_000, limit: 10, key: bySession }),
  };
}

/** A staff session that has passed the password but not yet the second factor. */
async function pendingSession({ session }: Call): Promise<Session> {
  if (!session || session.kind !== "staff" || !session.staffId) throw new UnauthenticatedError();
  return session;
}
/** Enrolled a moment ago: the recovery codes must be seen first, a second code does not skip them. */
const toRecoveryCodes = ({ session }: Call) => (session?.stage === RECOVERY_CODES_STAGE ? RECOVERY_CODES_PATH : undefined);

const signInPage = ({ t, query, form }: Call, extra: Record<string, unknown> = {}): Answer => ({
  view: "staff/sign-in",
  locals: { title: t("staff.signIn.title"), staffArea: true, next: safeNext(query.next ?? form.next, ""), ...extra },
});
const totpPage = ({ t }: Call): Answer => ({ view: "staff/totp", locals: { title: t("staff.totp.title"), staffArea: true } });
const enrolmentPage = async (call: Call, session: Session): Promise<Answer> => ({
  view: "staff/totp-setup", locals: { title: call.t("staff.totp.setupTitle"), staffArea: true, ...(await totpEnrolment(call.ctx, session, call.org.name)) },
});

/** Public: before the staff router's sign-in guard. */
export function signInRoutes(limits: SignInLimits) {
  return [
    route({ method: "get", path: "/staff/sign-in", who: publicAudience, run: (call) => signInPage(call, { welcome: call.query.welcome === "1" }) }),
    route({
      method: "post", path: "/staff/sign-in", who: publicAudience, limits: [limits.perIp, limits.perEmail],
      input: signInSchema, form: (call) => signInPage(call),
      run: async (call) => {
        const { ctx, org, input, ip, session } = call;
        const result = await signInStaff(ctx, { orgId: org.id, email: input.email, password: input.password, ip, previousSessionIdHash: session?.idHash });
        if (!result.ok) throw new ValidationError({ _form: "staff.errors.signInFailed" });
        return { redirect: result.next, cookies: [sessionCookieChange(ctx, result.token), ...(result.locale ? [staffLocaleCookie(ctx, result.locale)] : [])] };
      },
    }),
    route({ method: "get", path: "/staff/totp/setup", who: publicAudience, load: pendingSession, run: (call) => enrolmentPage(call, call.loaded) }),
    route({ method: "get", path: "/staff/totp", who: publicAudience, load: pendingSession, elsewhere: toRecoveryCodes, run: totpPage }),
    route({
      method: "post", path: "/staff/totp", who: publicAudience, limits: [limits.perTotp],
      load: pendingSession, elsewhere: toRecoveryCodes, input: codeSchema,
      // A wrong first code while enrolling shows the QR code again, not the plain code form.
      form: (call) => (call.form.enrol === "1" ? enrolmentPage(call, call.loaded) : totpPage(call)),
      run: async ({ ctx, t, input, ip, loaded: session }) => {
        const outcome = await completeTotp(ctx, session, input.code, ip);
        if (outcome.stage === RECOVERY_CODES_STAGE) return { redirect: RECOVERY_CODES_PATH };
        const home = staffHome(outcome.staff.role);
        if (outcome.recoveryCodesLeft === undefined) return { redirect: home };
        // The session was loaded at stage "password": the header should show it signed in now.
        return {
          view: "staff/recovery-used", headers: NO_STORE,
          locals: { title: t("staff.recovery.usedTitle"), staffArea: true, session: { ...session, stage: "complete" }, left: outcome.recoveryCodesLeft, home },
        };
      },
    }),
    /** Shown once, right after enrolment; a reload makes a new set (see recovery-codes.ts). */
    route({
      method: "get", path: RECOVERY_CODES_PATH, who: publicAudience, load: pendingSession,
      run: async ({ ctx, t, ip, loaded }) => ({
        view: "staff/recovery-codes", headers: NO_STORE, locals: { title: t("staff.recovery.title"), staffArea: true, codes: await issueRecoveryCodes(ctx, loaded, ip) },
      }),
    }),
    route({
      method: "post", path: RECOVERY_CODES_PATH, who: publicAudience, load: pendingSession,
      run: async ({ ctx, ip, loaded }) => {
        try {
          return { redirect: staffHome((await acknowledgeRecoveryCodes(ctx, loaded, ip)).role) };
        } catch (err) {
          if (err instanceof ConflictError && err.message === "recovery_codes_not_shown") return { redirect: RECOVERY_CODES_PATH };
          throw err;
        }
      },
    }),
    route({
      method: "post", path: "/staff/sign-out", who: publicAudience,
      run: async ({ ctx, session, ip }) => {
        await signOutStaff(ctx, session, ip);
        return { redirect: "/staff/sign-in", cookies: [clearedSessionCookieChange(ctx)] };
      },
    }),
  ];
}

const reauthPage = ({ ctx, t, session, actor }: Call<StaffActor>, next: string): Answer => ({
  view: "staff/reauth", locals: { title: t("staff.reauth.title"), next, formKept: !!keptForm(ctx, session, actor.id) },
});
/** Where to go once the password is confirmed: only ever a path on this site, home otherwise. */
const nextOf = (next: unknown, actor: StaffActor) => safeNext(next, staffHome(actor.role));

/** Signed-in staff, with the limits of sign-in. */
export function reauthRoutes(limits: SignInLimits) {
  return [
    route({ method: "get", path: "/staff/reauth", who: staffAudience, run: (call) => reauthPage(call, nextOf(call.query.next, call.actor)) }),
    route({
      method: "post", path: "/staff/reauth", who: staffAudience, limits: [limits.perReauth],
      input: passwordSchema, form: (call) => reauthPage(call, nextOf(call.form.next, call.actor)),
      run: async ({ ctx, actor, session, input, ip, form }) => {
        await reauthenticate(ctx, actor, session!, input.password, ip);
        return { redirect: nextOf(form.next, actor) };
      },
    }),
    /** The form refused for re-authentication, filled in again, to send with one click. */
    route({
      method: "get", path: RESUME_PATH, who: staffAudience,
      run: ({ ctx, t, session, actor }) => {
        const kept = keptForm(ctx, session, actor.id);
        if (kept && !recentlyAuthenticated(ctx, session)) return { redirect: `/staff/reauth?next=${encodeURIComponent(RESUME_PATH)}` };
        return { view: "staff/reauth-resume", locals: { title: t("staff.resume.title"), form: kept ? keptFormView(kept, t, actor.role) : null, home: staffHome(actor.role) } };
      },
    }),
  ];
}
