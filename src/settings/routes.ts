/**
 * HTTP for the admin home (the readiness checklist) and the organization's settings: an overview
 * with Change links, and one page per section. The authorization test
 * (test/settings/authorization.test.ts) walks settingsRoutes.
 */
import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import { requestTypes, type StaffRole } from "../db/schema/index.js";
import { authorities, leadAuthority } from "../requests/authorities.js";
import { addressOf } from "../mail/send-outbox-mail.js";
import { retentionSentences } from "../retention/retention-sentences.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { localeNames } from "../platform/i18n.js";
import { requireStaff, staffActorOf } from "../identity/staff-session.js";
import { authorizeSettings } from "./policies.js";
import { ipOf, reauthFirst } from "../staff/route-helpers.js";
import { settingsChecklist } from "./readiness.js";
import {
  assuranceChoices, isSettingsSection, offeredLocales, parseSection, privacyTexts, readSettings, sectionFormValues, settingsSections,
  type SettingsSection,
} from "./schema.js";
import { storedIpCount, updateSettings } from "./update-settings.js";

export const ADMIN_HOME = "/staff/admin";
const SETTINGS = "/staff/admin/settings";

/** Every route of the settings screens with the roles allowed (on their own organization). */
export interface SettingsRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
}
export const settingsRoutes: readonly SettingsRoute[] = [
  { method: "get", path: ADMIN_HOME, roles: ["admin"] },
  { method: "get", path: SETTINGS, roles: ["admin"] },
  { method: "get", path: `${SETTINGS}/:section`, roles: ["admin"] },
  { method: "post", path: `${SETTINGS}/:section`, roles: ["admin"] },
];

function sectionOf(req: Request): SettingsSection {
  const section = req.params.section;
  if (!isSettingsSection(section)) throw new NotFoundError("settings section");
  return section;
}

export function settingsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use(ADMIN_HOME, requireStaff());
  const guard = (req: Request) => {
    const actor = staffActorOf(req);
    authorizeSettings(actor, "manage", { kind: "settings", orgId: req.org.id });
    return actor;
  };
  /** What every settings page needs to show the organization's languages and choices. */
  const common = (req: Request) => ({
    staffArea: true,
    offered: offeredLocales(req.org).map((code) => ({ code, name: localeNames[code] })),
    authorities, requestTypes, assuranceChoices, privacyTexts, senderAddress: addressOf(req.org.mailFrom?.trim() || ctx.config.MAIL_FROM),
  });

  router.get(ADMIN_HOME, async (req, res) => {
    guard(req);
    const { items, ready } = await settingsChecklist(ctx.db, req.org);
    const saved = settingsSections.find((s) => s === req.query.saved);
    res.render("settings/home", { title: req.t("settings.home.title"), staffArea: true, items, ready, saved });
  });

  router.get(SETTINGS, async (req, res) => {
    guard(req);
    const settings = readSettings(req.org);
    res.render("settings/overview", {
      ...common(req), title: req.t("settings.overview.title"), settings, authority: leadAuthority(settings.authorityCountry),
      retention: await retentionSentences(ctx.db, req.org.id, req.t, req.locale),
    });
  });

  const renderSection = (req: Request, res: Response, section: SettingsSection, extra: Record<string, unknown> = {}) =>
    res.render(`settings/${section}`, {
      ...common(req), title: req.t(`settings.sections.${section}.title`), section,
      values: sectionFormValues(readSettings(req.org), offeredLocales(req.org)), ...extra,
    });

  router.get(`${SETTINGS}/:section`, (req, res) => {
    guard(req);
    renderSection(req, res, sectionOf(req));
  });

  router.post(`${SETTINGS}/:section`, async (req, res) => {
    const actor = guard(req);
    const section = sectionOf(req);
    if (await reauthFirst(ctx, req, res)) return;
    try {
      const input = parseSection(section, req.body ?? {}, offeredLocales(req.org));
      // Removing the stored IP addresses cannot be undone: say how many first, and go on only when confirmed.
      if (input.section === "verification" && !input.values.storeIpAddresses && req.org.storeIpAddresses && req.body?.confirmIpRemoval !== "yes") {
        const stored = await storedIpCount(ctx.db, req.org.id);
        if (stored > 0) return res.render("settings/confirm-ip", { ...common(req), title: req.t("settings.confirmIp.title"), stored, fields: req.body });
      }
      await updateSettings(ctx, actor, input, ipOf(req));
      res.redirect(303, `${ADMIN_HOME}?saved=${section}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      renderSection(req, res, section, { fieldErrors: err.fieldErrors, values: req.body ?? {} });
    }
  });
  return router;
}
