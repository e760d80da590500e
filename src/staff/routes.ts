import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import type { StaffRole } from "../db/schema/index.js";
import { clearSessionCookie, endSession, setSessionCookie } from "../identity/sessions.js";
import { emailHash, normalizeEmail } from "../identity/email-address.js";
import { safeNext } from "../identity/safe-next.js";
import { recordAudit } from "../platform/audit.js";
import { ConflictError, UnauthenticatedError, ValidationError } from "../platform/errors.js";
import { limiter } from "../platform/http/rate-limit.js";
import { parseInput } from "../platform/http/validate.js";
import { extendRequest } from "../requests/extend-request.js";
import { postRequestMessage } from "../requests/post-message.js";
import { requestStatusView } from "../requests/status-view.js";
import { authorize, type Action } from "./policies.js";
import { recentlyAuthenticated, requireStaff, staffActorOf } from "../identity/staff-session.js";
import { staffHome } from "./staff-home.js";
import { mountAdminRoutes, mountInvitationRoutes } from "./admin-routes.js";
import { fail, reauthFirst, rememberStaffLocale } from "./route-helpers.js";
import { keptForm, RESUME_PATH } from "../identity/reauth-replay.js";
import { keptFormView } from "./kept-form-view.js";
import { signInStaff, staffAuthActions } from "./sign-in-staff.js";
import { completeTotp, totpEnrolment } from "./totp.js";
import { acknowledgeRecoveryCodes, issueRecoveryCodes, RECOVERY_CODES_STAGE } from "./recovery-codes.js";
import { reauthenticate } from "./reauthenticate.js";
import { mountQueueRoutes } from "./queue-routes.js";
import { requestDetail } from "./request-detail.js";
import { staffRequest } from "../requests/request-by-id.js";
import { startReview } from "./start-review.js";
import { approveRequest } from "./approve-request.js";
import { rejectRequest } from "./reject-request.js";
import { askRequester } from "./ask-requester.js";
import { askForIdentity } from "./ask-for-identity.js";
import { confirmErasure } from "./confirm-erasure.js";
import { assignRequest } from "./assign-request.js";
import { addRequestNote } from "./add-note.js";
import { conversationForRequest, viewTranscript } from "./view-transcript.js";
import { transcriptStatements } from "../fulfilment/statements.js";
import { detailPageLocals } from "./detail-page.js";
import { caseAddress, caseNavigation, queueState, type CaseOutcome } from "./case-nav.js";
import { askIdentitySchema, assignSchema, codeSchema, passwordSchema, signInSchema, textSchema, transcriptQuerySchema } from "./schema.js";
import { dashboardStats } from "./dashboard-stats.js";
import { requestRegisterCsv } from "./request-register.js";
import { noStore } from "../platform/http/no-store.js";
import { erasureConfirmPage, type ConfirmPage } from "./confirm-pages.js";

/**
 * Every route of the staff area, with the roles allowed (on their own organization's data). The
 * authorization matrix test walks this list; a new route without an entry fails that test.
 */
export interface StaffRoute {
  method: "get" | "post";
  path: string;
  /** Roles allowed; "public" pages need no staff session. */
  roles: readonly StaffRole[] | "public";
  /** Whether the route acts on one request (another organization's → 404). */
  onRequest?: boolean;
  /** Whether the route acts on one staff member (another organization's → 404). */
  onStaffMember?: boolean;
  /** Roles sent elsewhere (303) instead of being refused, e.g. admins from the queue to their home. */
  redirects?: Partial<Record<StaffRole, string>>;
}
const PREPARERS = ["reviewer", "dpo"] as const;
const DPO = ["dpo"] as const;
const ANY = ["reviewer", "dpo", "admin"] as const;
const ADMIN = ["admin"] as const;
export const staffRoutes: readonly StaffRoute[] = [
  { method: "get", path: "/staff/sign-in", roles: "public" },
  { method: "post", path: "/staff/sign-in", roles: "public" },
  { method: "get", path: "/staff/totp/setup", roles: "public" },
  { method: "get", path: "/staff/totp", roles: "public" },
  { method: "post", path: "/staff/totp", roles: "public" },
  { method: "get", path: "/staff/totp/recovery-codes", roles: "public" },
  { method: "post", path: "/staff/totp/recovery-codes", roles: "public" },
  { method: "post", path: "/staff/sign-out", roles: "public" },
  { method: "get", path: "/staff/invite/:token", roles: "public" },
  { method: "get", path: "/staff/invite", roles: "public" },
  { method: "post", path: "/staff/invite", roles: "public" },
  { method: "get", path: "/staff/reauth", roles: ANY },
  { method: "post", path: "/staff/reauth", roles: ANY },
  { method: "get", path: "/staff/reauth/resume", roles: ANY },
  { method: "get", path: "/staff", roles: PREPARERS, redirects: { admin: "/staff/admin" } },
  { method: "post", path: "/staff/requests/assign", roles: PREPARERS, onRequest: true },
  { method: "get", path: "/staff/requests/:id", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/assign", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/notes", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/messages", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/start-review", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/ask-information", roles: PREPARERS, onRequest: true },
  { method: "post", path: "/staff/requests/:id/ask-identity", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/approve", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/reject", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/extend", roles: DPO, onRequest: true },
  { method: "post", path: "/staff/requests/:id/confirm-erasure", roles: DPO, onRequest: true },
  { method: "get", path: "/staff/conversations/:conversationId/transcript", roles: DPO, onRequest: true },
  { method: "get", path: "/staff/dashboard", roles: DPO },
  { method: "get", path: "/staff/requests.csv", roles: DPO },
  { method: "get", path: "/staff/admin/staff", roles: ADMIN },
  { method: "post", path: "/staff/admin/staff/invite", roles: ADMIN },
  { method: "post", path: "/staff/admin/staff/:staffId/disable", roles: ADMIN, onStaffMember: true },
  { method: "post", path: "/staff/admin/staff/:staffId/enable", roles: ADMIN, onStaffMember: true },
  { method: "post", path: "/staff/admin/staff/:staffId/role", roles: ADMIN, onStaffMember: true },
  { method: "post", path: "/staff/admin/staff/:staffId/reset-totp", roles: ADMIN, onStaffMember: true },
  { method: "get", path: "/staff/account", roles: ANY },
  { method: "post", path: "/staff/account/locale", roles: ANY },
];

const ip = (req: Request) => req.ip;
const RECOVERY_CODES_PATH = "/staff/totp/recovery-codes";

/** A staff session that has passed the password but not yet the second factor. */
function pendingSession(req: Request) {
  const s = req.session;
  if (!s || s.kind !== "staff" || !s.staffId) throw new UnauthenticatedError();
  return s;
}

export function staffRouter(ctx: AppContext): Router {
  const router = Router();
  // Every staff page, the sign-in, TOTP and invitation pages before requireStaff included.
  router.use("/staff", noStore);
  const perIp = limiter(ctx, { name: "staff-sign-in-ip", windowMs: 15 * 60_000, limit: 30 });
  const perEmail = limiter(ctx, {
    name: "staff-sign-in-email", windowMs: 15 * 60_000, limit: 10,
    key: (req) => { const e = (req.body as { email?: unknown })?.email; return typeof e === "string" && e ? `${req.org.id}:${emailHash(ctx.keys, normalizeEmail(e))}` : undefined; },
  });
  const perTotp = limiter(ctx, { name: "staff-totp", windowMs: 15 * 60_000, limit: 10, key: (req) => req.session?.staffId ?? undefined });
  const perReauth = limiter(ctx, { name: "staff-reauth", windowMs: 15 * 60_000, limit: 10, key: (req) => req.session?.staffId ?? undefined });

  // --- sign-in --------------------------------------------------------------------------------
  const signInLocals = (req: Request) => ({ title: req.t("staff.signIn.title"), next: safeNext(req.query.next ?? req.body?.next, "") });
  router.get("/staff/sign-in", (req, res) => {
    res.render("staff/sign-in", { ...signInLocals(req), staffArea: true, welcome: req.query.welcome === "1" });
  });
  router.post("/staff/sign-in", perIp, perEmail, async (req, res) => {
    try {
      const input = parseInput(signInSchema, req.body);
      const result = await signInStaff(ctx, { orgId: req.org.id, email: input.email, password: input.password, ip: ip(req), previousSessionIdHash: req.session?.idHash });
      if (!result.ok) throw new ValidationError({ _form: "staff.errors.signInFailed" });
      setSessionCookie(ctx, res, result.token);
      if (result.locale) rememberStaffLocale(ctx, res, result.locale);
      res.redirect(303, result.next);
    } catch (err) {
      fail(res, "staff/sign-in", { ...signInLocals(req), values: { email: req.body?.email } }, err);
    }
  });

  router.get("/staff/totp/setup", async (req, res) => {
    const enrolment = await totpEnrolment(ctx, pendingSession(req), req.org.name);
    res.render("staff/totp-setup", { title: req.t("staff.totp.setupTitle"), staffArea: true, ...enrolment });
  });
  router.get("/staff/totp", (req, res) => {
    if (pendingSession(req).stage === RECOVERY_CODES_STAGE) return res.redirect(303, RECOVERY_CODES_PATH);
    res.render("staff/totp", { title: req.t("staff.totp.title"), staffArea: true });
  });
  router.post("/staff/totp", perTotp, async (req, res) => {
    const session = pendingSession(req);
    // Enrolled a moment ago: the recovery codes must be seen first, a second code does not skip them.
    if (session.stage === RECOVERY_CODES_STAGE) return res.redirect(303, RECOVERY_CODES_PATH);
    try {
      const { code } = parseInput(codeSchema, req.body);
      const outcome = await completeTotp(ctx, session, code, ip(req));
      if (outcome.stage === RECOVERY_CODES_STAGE) return res.redirect(303, RECOVERY_CODES_PATH);
      if (outcome.recoveryCodesLeft === undefined) return res.redirect(303, staffHome(outcome.staff.role));
      res.set("Cache-Control", "no-store");
      // The session was loaded at stage "password": the header should show it signed in now.
      res.render("staff/recovery-used", { title: req.t("staff.recovery.usedTitle"), staffArea: true, session: { ...session, stage: "complete" }, left: outcome.recoveryCodesLeft, home: staffHome(outcome.staff.role) });
    } catch (err) {
      if (!(err instanceof ValidationError) || req.body?.enrol !== "1") return fail(res, "staff/totp", { title: req.t("staff.totp.title") }, err);
      const enrolment = await totpEnrolment(ctx, session, req.org.name);
      fail(res, "staff/totp-setup", { title: req.t("staff.totp.setupTitle"), ...enrolment }, err);
    }
  });
  /** Shown once, right after enrolment; a reload makes a new set (see recovery-codes.ts). */
  router.get(RECOVERY_CODES_PATH, async (req, res) => {
    const codes = await issueRecoveryCodes(ctx, pendingSession(req), ip(req));
    res.set("Cache-Control", "no-store");
    res.render("staff/recovery-codes", { title: req.t("staff.recovery.title"), staffArea: true, codes });
  });
  router.post(RECOVERY_CODES_PATH, async (req, res) => {
    try {
      const staff = await acknowledgeRecoveryCodes(ctx, pendingSession(req), ip(req));
      res.redirect(303, staffHome(staff.role));
    } catch (err) {
      if (err instanceof ConflictError && err.message === "recovery_codes_not_shown") return res.redirect(303, RECOVERY_CODES_PATH);
      throw err;
    }
  });
  router.post("/staff/sign-out", async (req, res) => {
    const s = req.session;
    if (s?.kind === "staff") {
      await recordAudit(ctx, { orgId: s.orgId, actor: { type: "staff", id: s.staffId }, action: staffAuthActions.signedOut, ip: ip(req) });
      await endSession(ctx, res, s);
    } else clearSessionCookie(ctx, res);
    res.redirect(303, "/staff/sign-in");
  });

  mountInvitationRoutes(router, ctx);

  // --- signed-in staff ------------------------------------------------------------------------
  router.use("/staff", requireStaff());

  const reauthLocals = (req: Request, next: string) => ({ title: req.t("staff.reauth.title"), next, formKept: !!keptForm(ctx, req.session, staffActorOf(req).id) });
  router.get("/staff/reauth", (req, res) => {
    res.render("staff/reauth", reauthLocals(req, safeNext(req.query.next, staffHome(staffActorOf(req).role))));
  });
  router.post("/staff/reauth", perReauth, async (req, res) => {
    const actor = staffActorOf(req);
    const next = safeNext(req.body?.next, staffHome(actor.role));
    try {
      const { password } = parseInput(passwordSchema, req.body);
      await reauthenticate(ctx, actor, req.session!, password, ip(req));
      res.redirect(303, next);
    } catch (err) {
      fail(res, "staff/reauth", reauthLocals(req, next), err);
    }
  });
  /** The form refused for re-authentication, filled in again, to send with one click. */
  router.get(RESUME_PATH, (req, res) => {
    const actor = staffActorOf(req);
    const kept = keptForm(ctx, req.session, actor.id);
    if (kept && !recentlyAuthenticated(ctx, req.session)) return res.redirect(303, `/staff/reauth?next=${encodeURIComponent(RESUME_PATH)}`);
    res.render("staff/reauth-resume", { title: req.t("staff.resume.title"), form: kept ? keptFormView(kept, req.t, actor.role) : null, home: staffHome(actor.role) });
  });

  mountQueueRoutes(router, ctx);

  router.get("/staff/dashboard", async (req, res) => {
    authorize(staffActorOf(req), "viewDashboard", { kind: "org", orgId: req.org.id });
    res.render("staff/dashboard", { title: req.t("staff.dashboard.title"), stats: await dashboardStats(ctx, req.org) });
  });
  router.get("/staff/requests.csv", async (req, res) => {
    const actor = staffActorOf(req);
    authorize(actor, "exportRegister", { kind: "org", orgId: req.org.id });
    res.set({ "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="request-register.csv"', "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    for await (const chunk of requestRegisterCsv(ctx, actor)) res.write(chunk);
    res.end();
  });

  const loadRequest = async (req: Request) => staffRequest(ctx, staffActorOf(req).orgId, String(req.params.id));
  const requestResource = (r: Awaited<ReturnType<typeof loadRequest>>) => ({ kind: "request" as const, orgId: r.orgId, type: r.type, erasureApprovedBy: r.erasureApprovedBy });
  const outcomes: Partial<Record<Action<"request">, CaseOutcome>> = {
    assign: "assigned", note: "noteAdded", message: "messageSent", startReview: "reviewStarted", askInfo: "askedInfo", askIdentity: "askedIdentity",
    approve: "approved", reject: "rejected", extend: "extended", confirmErasure: "erasureConfirmed",
  };
  // Back to the case page saying what was done, with the queue it was opened from (the forms carry it).
  const back = (req: Request, res: Response, id: string, action: Action<"request">, anchor = "") =>
    res.redirect(303, caseAddress(id, outcomes[action], queueState(req.body?.queue), anchor));

  async function renderDetail(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const actor = staffActorOf(req);
    const r = await loadRequest(req);
    authorize(actor, "view", requestResource(r));
    res.render("staff/show", await detailPageLocals({ ctx, org: req.org, actor, t: req.t, session: req.session }, r, extra));
  }
  router.get("/staff/requests/:id", (req, res) => renderDetail(req, res, caseNavigation(req.query)));


  /** A POST on one request: authorize, run, redirect back; validation errors re-render the page. */
  type Loaded = Awaited<ReturnType<typeof loadRequest>>;
  const onRequest = (action: Action<"request">, run: (req: Request, r: Loaded) => Promise<unknown>, opts: { reauth?: (r: Loaded) => boolean; anchor?: string; confirm?: (req: Request, r: Loaded) => Promise<ConfirmPage | undefined> } = {}) =>
    async (req: Request, res: Response) => {
      const actor = staffActorOf(req);
      const r = await loadRequest(req);
      authorize(actor, action, requestResource(r));
      if (opts.reauth?.(r) && (await reauthFirst(ctx, req, res))) return;
      // What cannot be undone is asked once more, on a page of its own, before it is done.
      const confirm = req.body?.confirm === "yes" ? undefined : await opts.confirm?.(req, r);
      // Switching language there goes back to the request (the confirmation is a POST's answer).
      if (confirm) return res.render("platform/confirm", { ...confirm, fields: req.body ?? {}, cancelHref: `/staff/requests/${r.id}`, languagePath: `/staff/requests/${r.id}` });
      try {
        await run(req, r);
        back(req, res, r.id, action, opts.anchor);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(422);
        await renderDetail(req, res, { ...caseNavigation({ queue: req.body?.queue }), fieldErrors: err.fieldErrors, values: req.body, failedAction: action });
      }
    };

  router.post("/staff/requests/:id/assign", onRequest("assign", (req, r) => {
    const { assigneeId } = parseInput(assignSchema, req.body);
    const target = assigneeId === "me" ? staffActorOf(req).id : assigneeId || null;
    return assignRequest(ctx, staffActorOf(req), r.id, target);
  }));
  router.post("/staff/requests/:id/notes", onRequest("note", (req, r) => addRequestNote(ctx, staffActorOf(req), r.id, parseInput(textSchema("body", 5000), req.body).body as string), { anchor: "#notes" }));
  router.post("/staff/requests/:id/messages", onRequest("message", async (req, r) => {
    const body = (parseInput(textSchema("body", 5000), req.body).body as string).trim();
    if (!body) throw new ValidationError({ body: "platform.errors.required" });
    const actor = staffActorOf(req);
    await postRequestMessage(ctx, req.org, { type: "staff", id: actor.id, role: actor.role }, r, body);
  }, { anchor: "#thread" }));
  router.post("/staff/requests/:id/start-review", onRequest("startReview", (req, r) => startReview(ctx, staffActorOf(req), req.org, r.id)));
  router.post("/staff/requests/:id/ask-information", onRequest("askInfo", (req, r) => askRequester(ctx, staffActorOf(req), req.org, r.id, parseInput(textSchema("message"), req.body).message as string)));
  router.post("/staff/requests/:id/ask-identity", onRequest("askIdentity", (req, r) => {
    const input = parseInput(askIdentitySchema, req.body);
    return askForIdentity(ctx, staffActorOf(req), req.org, r.id, { ...input, accountOverride: input.accountOverride === "1" });
  }));
  router.post("/staff/requests/:id/approve", onRequest("approve", (req, r) => approveRequest(ctx, staffActorOf(req), req.org, r.id, parseInput(textSchema("message"), req.body).message as string), {
    reauth: (r) => r.type === "erasure",
    confirm: async (req, r) => (r.type === "erasure" ? erasureConfirmPage(ctx, req, r, "approve") : undefined),
  }));
  router.post("/staff/requests/:id/reject", onRequest("reject", (req, r) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === "string" ? v : "");
    return rejectRequest(ctx, staffActorOf(req), req.org, r.id, { legalGround: str(b.legalGround), reason: str(b.reason), message: str(b.message), law: str(b.law) });
  }, { reauth: () => true }));
  router.post("/staff/requests/:id/extend", onRequest("extend", (req, r) => {
    const kind = typeof req.body?.kind === "string" ? req.body.kind : "";
    if (!kind) throw new ValidationError({ kind: "staff.errors.extensionKind" });
    return extendRequest(ctx, staffActorOf(req), r.orgId, r.id, parseInput(textSchema("reason", 2000), req.body).reason as string, kind);
  }));
  router.post("/staff/requests/:id/confirm-erasure", onRequest("confirmErasure", (req, r) => confirmErasure(ctx, staffActorOf(req), req.org, r.id), {
    reauth: () => true,
    confirm: (req, r) => erasureConfirmPage(ctx, req, r, "confirm"),
  }));

  router.get("/staff/conversations/:conversationId/transcript", async (req, res) => {
    const actor = staffActorOf(req);
    const q = transcriptQuerySchema.safeParse(req.query);
    if (!q.success) throw new ValidationError({ requestId: "platform.errors.required" });
    const r = await staffRequest(ctx, actor.orgId, q.data.requestId);
    const conv = await conversationForRequest(ctx, actor.orgId, r, String(req.params.conversationId));
    authorize(actor, "viewTranscript", { kind: "conversation", orgId: conv.orgId, restrictedAt: conv.restrictedAt });
    const locals = { title: req.t("staff.transcript.title"), request: r, conversation: conv };
    if (q.data.purpose === undefined) return res.render("staff/transcript-purpose", locals);
    try {
      const messages = await viewTranscript(ctx, actor, r, conv, q.data.purpose);
      res.set("Cache-Control", "no-store");
      res.render("staff/transcript", { ...locals, messages, statements: await transcriptStatements(ctx, conv), purpose: q.data.purpose.trim() });
    } catch (err) {
      fail(res, "staff/transcript-purpose", { ...locals, values: { purpose: q.data.purpose } }, err);
    }
  });

  mountAdminRoutes(router, ctx);

  return router;
}
