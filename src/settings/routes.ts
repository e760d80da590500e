/**
 * HTTP for the admin home (the readiness checklist) and the organization's settings: an overview
 * with Change links, and one page per section. The roles are the settings policy's; the
 * specification the authorization test checks is in test/settings/authorization.test.ts.
 */
import { Router } from "express";
import type { AppContext } from "../context.js";
import { requestTypes } from "../db/schema/index.js";
import { authorities, leadAuthority } from "../requests/authorities.js";
import { addressOf } from "../mail/send-outbox-mail.js";
import { retentionSentences } from "../retention/retention-sentences.js";
import { NotFoundError } from "../platform/errors.js";
import { localeNames } from "../platform/i18n.js";
import { staffAudience } from "../identity/audience.js";
import { mountRoutes, route, type Answer, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { settingsPolicy } from "./policies.js";
import { settingsChecklist } from "./readiness.js";
import {
  assuranceChoices, isSettingsSection, offeredLocales, parseSection, privacyTexts, readSettings, sectionFormValues, SETTINGS_TEXT_MAX, settingsSections,
  type SettingsSection,
} from "./schema.js";
import { storedIpCount, updateSettings } from "./update-settings.js";

export const ADMIN_HOME = "/staff/admin";
const SETTINGS = "/staff/admin/settings";

const settingsOf = (_: unknown, call: Call) => ({ kind: "settings" as const, orgId: call.org.id });

function sectionOf(call: Call): SettingsSection {
  const section = call.params.section;
  if (!isSettingsSection(section)) throw new NotFoundError("settings section");
  return section;
}

/** What every settings page needs to show the organization's languages and choices. */
function common({ ctx, org }: Call) {
  return {
    staffArea: true,
    offered: offeredLocales(org).map((code) => ({ code, name: localeNames[code] })),
    authorities, requestTypes, assuranceChoices, privacyTexts, textMax: SETTINGS_TEXT_MAX, senderAddress: addressOf(org.mailFrom?.trim() || ctx.config.MAIL_FROM),
  };
}

function sectionPage(call: Call, section: SettingsSection): Answer {
  return {
    view: `settings/${section}`,
    locals: { ...common(call), title: call.t(`settings.sections.${section}.title`), section, values: sectionFormValues(readSettings(call.org), offeredLocales(call.org)) },
  };
}

/** Removing the stored IP addresses cannot be undone: say how many first, and go on only when confirmed. */
async function ipRemovalToConfirm(call: Call<StaffActor>, input: ReturnType<typeof parseSection>): Promise<Answer | undefined> {
  if (input.section !== "verification" || input.values.storeIpAddresses || !call.org.storeIpAddresses || call.form.confirmIpRemoval === "yes") return undefined;
  const stored = await storedIpCount(call.ctx.db, call.org.id);
  if (stored === 0) return undefined;
  return { view: "settings/confirm-ip", locals: { ...common(call), title: call.t("settings.confirmIp.title"), stored, fields: call.form } };
}

export const settingsRoutes = [
  route({
    method: "get", path: ADMIN_HOME, who: staffAudience, action: "manage", on: settingsOf,
    run: async ({ ctx, org, t, query }) => {
      const { items, ready } = await settingsChecklist(ctx.db, org);
      const saved = settingsSections.find((s) => s === query.saved);
      return { view: "settings/home", locals: { title: t("settings.home.title"), staffArea: true, items, ready, saved } };
    },
  }),
  route({
    method: "get", path: SETTINGS, who: staffAudience, action: "manage", on: settingsOf,
    run: async (call) => {
      const settings = readSettings(call.org);
      return {
        view: "settings/overview",
        locals: {
          ...common(call), title: call.t("settings.overview.title"), settings, authority: leadAuthority(settings.authorityCountry),
          retention: await retentionSentences(call.ctx.db, call.org.id, call.t, call.locale),
        },
      };
    },
  }),
  route({
    method: "get", path: `${SETTINGS}/:section`, who: staffAudience, action: "manage", on: settingsOf,
    run: (call) => sectionPage(call, sectionOf(call)),
  }),
  route({
    method: "post", path: `${SETTINGS}/:section`, who: staffAudience, action: "manage", on: settingsOf, reauth: true,
    form: (call) => sectionPage(call, sectionOf(call)),
    run: async (call) => {
      const section = sectionOf(call);
      // Each section's fields depend on the organization's languages, so the parse needs the organization.
      const input = parseSection(section, call.form, offeredLocales(call.org));
      const confirm = await ipRemovalToConfirm(call, input);
      if (confirm) return confirm;
      await updateSettings(call.ctx, call.actor, input, call.ip);
      return { redirect: `${ADMIN_HOME}?saved=${section}` };
    },
  }),
];

export function settingsRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: settingsRoutes, ...settingsPolicy.forRoutes });
  return router;
}
