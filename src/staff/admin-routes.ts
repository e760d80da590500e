/**
 * HTTP for the admin screens (staff list, invite, disable, enable, role, reset two-factor), a staff
 * member's own account (language), and the public invitation pages, as route tables. Mounted on
 * the staff router, so the authorization matrix (test/staff/authorization-matrix.test.ts) walks
 * these routes too.
 */
import type { RequestHandler, Router } from "express";
import type { AppContext } from "../context.js";
import { staffRoles } from "../db/schema/index.js";
import { newPasswordForm } from "../identity/schema.js";
import { PASSWORD_MIN_LENGTH } from "../identity/reset-password.js";
import { clearedSealedCookie, readSealedCookie, sealedCookie, type SealedCookie } from "../identity/sealed-cookie.js";
import { staffAudience } from "../identity/audience.js";
import { recentlyAuthenticated, type StaffRow } from "../identity/staff-session.js";
import { limiter } from "../platform/http/rate-limit.js";
import { mountRoutes, publicAudience, route, type Answer, type Call } from "../platform/http/route-table.js";
import { isLocale, localeNames, supportedLocales } from "../platform/i18n.js";
import type { StaffActor } from "../platform/policy.js";
import { acceptInvitation, auditInvitationFailure, openInvitation } from "./accept-invitation.js";
import { changeStaffRole } from "./change-staff-role.js";
import { disableStaff } from "./disable-staff.js";
import { enableStaff } from "./enable-staff.js";
import { inviteStaff } from "./invite-staff.js";
import { resetStaffTotp } from "./reset-staff-totp.js";
import { recoveryCodesLeft } from "./recovery-codes.js";
import { listStaff } from "./list-staff.js";
import { staffPolicy } from "./policies.js";
import { staffLocaleCookie } from "./route-helpers.js";
import { inviteSchema, localeSchema, roleSchema } from "./schema.js";
import { setStaffLocale } from "./set-staff-locale.js";
import { INVITE_TTL_MS, staffMemberOf } from "./staff-members.js";

const ADMIN_LIST = "/staff/admin/staff";
/** Outcomes the list page confirms after a redirect (?done=…). */
const adminOutcomes = ["invited", "disable", "enable", "changeRole", "resetTotp"] as const;

/** The invitation token moves from the link into this sealed cookie, out of the address bar. */
const inviteCookie: SealedCookie = { name: "rd_invite", path: "/staff/invite", purpose: "staff-invite-link", ttlMs: INVITE_TTL_MS };

const languageChoices = () => supportedLocales.map((code) => ({ code, name: localeNames[code] }));

// --- the invitation pages: public, rate-limited like staff sign-in (per client and per link) ------

function invitationLimits(ctx: AppContext): { perIp: RequestHandler; perLink: RequestHandler } {
  return {
    perIp: limiter(ctx, { name: "staff-invite-ip", windowMs: 15 * 60_000, limit: 30 }),
    perLink: limiter(ctx, {
      name: "staff-invite-link", windowMs: 15 * 60_000, limit: 10,
      key: (req) => { const token = readSealedCookie(ctx, req, inviteCookie); return token ? ctx.keys.keyedHash("staff-invite-limit", token) : undefined; },
    }),
  };
}

const invalidInvitation = ({ t }: Call): Answer => ({ view: "staff/invite-invalid", status: 410, locals: { title: t("staff.invite.title"), staffArea: true } });

/** The invitation the sealed cookie names, if it is still open. */
async function invitationOf(call: Call) {
  const token = readSealedCookie(call.ctx, call, inviteCookie);
  const invitation = token ? await openInvitation(call.ctx, call.org.id, token) : undefined;
  return invitation && token ? { token, invitation } : undefined;
}
type OpenInvitation = Awaited<ReturnType<typeof invitationOf>>;

const acceptPage = ({ t }: Call, found: NonNullable<OpenInvitation>): Answer => ({
  view: "staff/invite-accept", locals: { title: t("staff.invite.title"), staffArea: true, invitation: found.invitation, minLength: PASSWORD_MIN_LENGTH },
});

function invitationRoutes(limits: ReturnType<typeof invitationLimits>) {
  return [
    route({
      method: "get", path: "/staff/invite/:token", who: publicAudience, limits: [limits.perIp],
      run: ({ ctx, org, params }) => {
        const token = String(params.token);
        return { redirect: "/staff/invite", cookies: /^[\w-]{20,128}$/.test(token) ? [sealedCookie(ctx, inviteCookie, org.id, token)] : [] };
      },
    }),
    route({
      method: "get", path: "/staff/invite", who: publicAudience, limits: [limits.perIp],
      load: invitationOf,
      run: (call) => (call.loaded ? acceptPage(call, call.loaded) : invalidInvitation(call)),
    }),
    route({
      method: "post", path: "/staff/invite", who: publicAudience, limits: [limits.perIp, limits.perLink],
      load: async (call) => {
        const found = await invitationOf(call);
        if (!found) await auditInvitationFailure(call.ctx, call.org.id, call.ip);
        return found;
      },
      input: newPasswordForm,
      form: (call) => (call.loaded ? acceptPage(call, call.loaded) : invalidInvitation(call)),
      run: async (call) => {
        if (!call.loaded) return invalidInvitation(call);
        const { ctx, org, input, ip } = call;
        const result = await acceptInvitation(ctx, { orgId: org.id, orgName: org.name, token: call.loaded.token, password: input.password, ip });
        if (!result.ok) return invalidInvitation(call);
        return { redirect: "/staff/sign-in?welcome=1", cookies: [clearedSealedCookie(ctx, inviteCookie)] };
      },
    }),
  ];
}

// --- admin screens and the staff member's own account; every change to staff re-authenticates ----

const orgOf = (_: unknown, call: Call) => ({ kind: "org" as const, orgId: call.org.id });
const memberOf = (target: StaffRow) => ({ kind: "staffMember" as const, orgId: target.orgId, id: target.id });
const loadMember = ({ ctx, actor, params }: Call<StaffActor>) => staffMemberOf(ctx.db, actor.orgId, String(params.staffId));

async function staffList(call: Call<StaffActor>): Promise<Answer> {
  const { ctx, actor, t, query, session } = call;
  return {
    view: "staff/admin-staff",
    locals: {
      title: t("staff.admin.title"), rows: await listStaff(ctx, actor), roles: staffRoles, languages: languageChoices(),
      reauthFresh: recentlyAuthenticated(ctx, session), done: adminOutcomes.find((o) => o === query.done), values: {},
    },
  };
}

const backToList = (action: string, target: StaffRow): Answer => ({ redirect: `${ADMIN_LIST}?done=${action}#staff-${target.id}` });

async function accountPage({ ctx, actor, t, org, query }: Call<StaffActor>): Promise<Answer> {
  return {
    view: "staff/account",
    locals: {
      title: t("staff.account.title"), languages: languageChoices(),
      defaultLanguage: isLocale(org.defaultLocale) ? localeNames[org.defaultLocale] : org.defaultLocale,
      saved: query.done === "saved", recoveryCodesLeft: await recoveryCodesLeft(ctx.db, actor.id),
    },
  };
}

const memberChange = { who: staffAudience, load: loadMember, on: memberOf, reauth: true, form: staffList } as const;

export const adminRoutes = [
  route({ method: "get", path: ADMIN_LIST, who: staffAudience, action: "manageStaff", on: orgOf, run: staffList }),
  route({
    method: "post", path: `${ADMIN_LIST}/invite`, who: staffAudience, action: "manageStaff", on: orgOf, reauth: true,
    input: inviteSchema, form: staffList,
    run: async ({ ctx, actor, org, input }) => {
      await inviteStaff(ctx, actor, org, input);
      return { redirect: `${ADMIN_LIST}?done=invited` };
    },
  }),
  route({
    method: "post", path: `${ADMIN_LIST}/:staffId/disable`, ...memberChange, action: "disable",
    run: async ({ ctx, actor, ip, loaded }) => { await disableStaff(ctx, actor, loaded.id, ip); return backToList("disable", loaded); },
  }),
  route({
    method: "post", path: `${ADMIN_LIST}/:staffId/enable`, ...memberChange, action: "enable",
    run: async ({ ctx, actor, ip, loaded }) => { await enableStaff(ctx, actor, loaded.id, ip); return backToList("enable", loaded); },
  }),
  route({
    method: "post", path: `${ADMIN_LIST}/:staffId/reset-totp`, ...memberChange, action: "resetTotp",
    run: async ({ ctx, actor, ip, loaded }) => { await resetStaffTotp(ctx, actor, loaded.id, ip); return backToList("resetTotp", loaded); },
  }),
  route({
    method: "post", path: `${ADMIN_LIST}/:staffId/role`, ...memberChange, action: "changeRole", input: roleSchema,
    run: async ({ ctx, actor, ip, loaded, input }) => { await changeStaffRole(ctx, actor, loaded.id, input.role, ip); return backToList("changeRole", loaded); },
  }),
  route({ method: "get", path: "/staff/account", who: staffAudience, action: "manageOwnAccount", on: orgOf, run: accountPage }),
  route({
    method: "post", path: "/staff/account/locale", who: staffAudience, action: "manageOwnAccount", on: orgOf,
    input: localeSchema, form: accountPage,
    run: async ({ ctx, actor, session, input }) => {
      await setStaffLocale(ctx, actor, session!, input.locale || null);
      return { redirect: "/staff/account?done=saved", cookies: [staffLocaleCookie(ctx, input.locale || null)] };
    },
  }),
];

/** The public invitation pages; mounted before the staff router's sign-in guard. */
export function mountInvitationRoutes(router: Router, ctx: AppContext): void {
  mountRoutes(router, ctx, { routes: invitationRoutes(invitationLimits(ctx)) });
}

export function mountAdminRoutes(router: Router, ctx: AppContext): void {
  mountRoutes(router, ctx, { routes: adminRoutes, ...staffPolicy.forRoutes });
}
