/**
 * HTTP for the admin screens (staff list, invite, disable, enable, role, reset two-factor), a staff member's own
 * account (language), and the public invitation pages. Mounted on the staff router, so the
 * authorization matrix (test/staff/authorization-matrix.test.ts) walks these routes too.
 */
import type { Request, Response, Router } from "express";
import type { AppContext } from "../context.js";
import { staffRoles } from "../db/schema/index.js";
import { newPasswordForm } from "../identity/schema.js";
import { PASSWORD_MIN_LENGTH } from "../identity/reset-password.js";
import { clearSealedCookie, readSealedCookie, setSealedCookie, type SealedCookie } from "../identity/sealed-cookie.js";
import { ValidationError } from "../platform/errors.js";
import { limiter } from "../platform/http/rate-limit.js";
import { parseInput } from "../platform/http/validate.js";
import { isLocale, localeNames, supportedLocales } from "../platform/i18n.js";
import { acceptInvitation, auditInvitationFailure, openInvitation } from "./accept-invitation.js";
import { changeStaffRole } from "./change-staff-role.js";
import { disableStaff } from "./disable-staff.js";
import { enableStaff } from "./enable-staff.js";
import { recentlyAuthenticated, staffActorOf, type StaffRow } from "../identity/staff-session.js";
import { inviteStaff } from "./invite-staff.js";
import { resetStaffTotp } from "./reset-staff-totp.js";
import { recoveryCodesLeft } from "./recovery-codes.js";
import { listStaff } from "./list-staff.js";
import { authorize, type Action } from "./policies.js";
import { fail, ipOf, reauthFirst, rememberStaffLocale } from "./route-helpers.js";
import { inviteSchema, localeSchema, roleSchema } from "./schema.js";
import { setStaffLocale } from "./set-staff-locale.js";
import { INVITE_TTL_MS, staffMemberOf } from "./staff-members.js";

const ADMIN_LIST = "/staff/admin/staff";
/** Outcomes the list page confirms after a redirect (?done=…). */
const adminOutcomes = ["invited", "disable", "enable", "changeRole", "resetTotp"] as const;

/** The invitation token moves from the link into this sealed cookie, out of the address bar. */
const inviteCookie: SealedCookie = { name: "rd_invite", path: "/staff/invite", purpose: "staff-invite-link", ttlMs: INVITE_TTL_MS };

const languageChoices = () => supportedLocales.map((code) => ({ code, name: localeNames[code] }));

/** The invitation pages: public, rate-limited like staff sign-in (per client and per link). */
export function mountInvitationRoutes(router: Router, ctx: AppContext): void {
  const perIp = limiter(ctx, { name: "staff-invite-ip", windowMs: 15 * 60_000, limit: 30 });
  const perLink = limiter(ctx, {
    name: "staff-invite-link", windowMs: 15 * 60_000, limit: 10,
    key: (req) => { const token = readSealedCookie(ctx, req, inviteCookie); return token ? ctx.keys.keyedHash("staff-invite-limit", token) : undefined; },
  });
  const title = (req: Request) => req.t("staff.invite.title");
  const invalid = (req: Request, res: Response) => res.status(410).render("staff/invite-invalid", { title: title(req), staffArea: true });

  router.get("/staff/invite/:token", perIp, (req, res) => {
    const token = String(req.params.token);
    if (/^[\w-]{20,128}$/.test(token)) setSealedCookie(ctx, res, inviteCookie, req.org.id, token);
    res.redirect(303, "/staff/invite");
  });
  router.get("/staff/invite", perIp, async (req, res) => {
    const token = readSealedCookie(ctx, req, inviteCookie);
    const invitation = token ? await openInvitation(ctx, req.org.id, token) : undefined;
    if (!invitation) return invalid(req, res);
    res.render("staff/invite-accept", { title: title(req), staffArea: true, invitation, minLength: PASSWORD_MIN_LENGTH });
  });
  router.post("/staff/invite", perIp, perLink, async (req, res) => {
    const token = readSealedCookie(ctx, req, inviteCookie) ?? "";
    const invitation = token ? await openInvitation(ctx, req.org.id, token) : undefined;
    if (!invitation) {
      await auditInvitationFailure(ctx, req.org.id, ipOf(req));
      return invalid(req, res);
    }
    try {
      const { password } = parseInput(newPasswordForm, req.body);
      const result = await acceptInvitation(ctx, { orgId: req.org.id, orgName: req.org.name, token, password, ip: ipOf(req) });
      if (!result.ok) return invalid(req, res);
      clearSealedCookie(ctx, res, inviteCookie);
      res.redirect(303, "/staff/sign-in?welcome=1");
    } catch (err) {
      fail(res, "staff/invite-accept", { title: title(req), invitation, minLength: PASSWORD_MIN_LENGTH }, err);
    }
  });
}

/** Admin screens and the staff member's own account; every change to staff re-authenticates first. */
export function mountAdminRoutes(router: Router, ctx: AppContext): void {
  const orgResource = (req: Request) => ({ kind: "org" as const, orgId: req.org.id });

  async function renderList(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const actor = staffActorOf(req);
    const done = adminOutcomes.find((o) => o === req.query.done);
    res.render("staff/admin-staff", {
      title: req.t("staff.admin.title"), rows: await listStaff(ctx, actor), roles: staffRoles, languages: languageChoices(),
      reauthFresh: recentlyAuthenticated(ctx, req.session), done, values: {}, ...extra,
    });
  }

  router.get(ADMIN_LIST, async (req, res) => {
    authorize(staffActorOf(req), "manageStaff", orgResource(req));
    await renderList(req, res);
  });

  router.post(`${ADMIN_LIST}/invite`, async (req, res) => {
    const actor = staffActorOf(req);
    authorize(actor, "manageStaff", orgResource(req));
    if (await reauthFirst(ctx, req, res)) return;
    try {
      await inviteStaff(ctx, actor, req.org, parseInput(inviteSchema, req.body));
      res.redirect(303, `${ADMIN_LIST}?done=invited`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      await renderList(req, res, { fieldErrors: err.fieldErrors, values: req.body });
    }
  });

  /** A change to one staff member: found in this organization (else 404), allowed, re-authenticated. */
  const onStaffMember = (action: Action<"staffMember">, run: (req: Request, target: StaffRow) => Promise<void>) =>
    async (req: Request, res: Response) => {
      const actor = staffActorOf(req);
      const target = await staffMemberOf(ctx.db, actor.orgId, String(req.params.staffId));
      authorize(actor, action, { kind: "staffMember", orgId: target.orgId, id: target.id });
      if (await reauthFirst(ctx, req, res)) return;
      try {
        await run(req, target);
        res.redirect(303, `${ADMIN_LIST}?done=${action}#staff-${target.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(422);
        await renderList(req, res, { fieldErrors: err.fieldErrors });
      }
    };
  router.post(`${ADMIN_LIST}/:staffId/disable`, onStaffMember("disable", (req, t) => disableStaff(ctx, staffActorOf(req), t.id, ipOf(req))));
  router.post(`${ADMIN_LIST}/:staffId/enable`, onStaffMember("enable", (req, t) => enableStaff(ctx, staffActorOf(req), t.id, ipOf(req))));
  router.post(`${ADMIN_LIST}/:staffId/reset-totp`, onStaffMember("resetTotp", (req, t) => resetStaffTotp(ctx, staffActorOf(req), t.id, ipOf(req))));
  router.post(`${ADMIN_LIST}/:staffId/role`, onStaffMember("changeRole", (req, t) => changeStaffRole(ctx, staffActorOf(req), t.id, parseInput(roleSchema, req.body).role, ipOf(req))));

  // --- the staff member's own account --------------------------------------------------------
  const accountLocals = (req: Request) => ({ title: req.t("staff.account.title"), languages: languageChoices(), defaultLanguage: isLocale(req.org.defaultLocale) ? localeNames[req.org.defaultLocale] : req.org.defaultLocale });
  router.get("/staff/account", async (req, res) => {
    const actor = staffActorOf(req);
    authorize(actor, "manageOwnAccount", orgResource(req));
    res.render("staff/account", { ...accountLocals(req), saved: req.query.done === "saved", recoveryCodesLeft: await recoveryCodesLeft(ctx.db, actor.id) });
  });
  router.post("/staff/account/locale", async (req, res) => {
    const actor = staffActorOf(req);
    authorize(actor, "manageOwnAccount", orgResource(req));
    try {
      const { locale } = parseInput(localeSchema, req.body);
      await setStaffLocale(ctx, actor, req.session!, locale || null);
      rememberStaffLocale(ctx, res, locale || null);
      res.redirect(303, "/staff/account?done=saved");
    } catch (err) {
      fail(res, "staff/account", { ...accountLocals(req), saved: false, recoveryCodesLeft: await recoveryCodesLeft(ctx.db, actor.id) }, err);
    }
  });
}
