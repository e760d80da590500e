/**
 * The organization's strong eID settings (OpenID Connect), as a route table: admins only, a fresh
 * password before the page is shown (so secrets typed into it are never kept for a re-auth
 * replay), secrets and private keys write-only. test/settings/eid-settings.test.ts walks it.
 */
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { requestTypes } from "../db/schema/index.js";
import { staffAudience } from "../identity/audience.js";
import { eidRedirectUri } from "../identity/oidc-client.js";
import { clientAuthMethods, eidConfigForDisplay, readEidConfig, type EidConfig } from "../identity/oidc-config.js";
import { recentlyAuthenticated } from "../identity/staff-session.js";
import { ValidationError } from "../platform/errors.js";
import { mountRoutes, route, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import { settingsPolicy } from "./policies.js";
import { updateEidSettings } from "./update-eid-settings.js";

export const EID_SETTINGS_PATH = "/staff/admin/settings/eid";

const settingsOf = (_: unknown, call: Call) => ({ kind: "settings" as const, orgId: call.org.id });

const text = (max: number) => z.string({ error: "identity.eidSettings.errors.required" }).trim().min(1, "identity.eidSettings.errors.required").max(max, "identity.eidSettings.errors.tooLong");
/** A pasted JWKS with a few keys fits many times over; the field counts towards it. */
const PRIVATE_JWKS_MAX = 50_000;
const yesNo = z.enum(["yes", "no"], { error: "platform.errors.choose" }).transform((v) => v === "yes");
const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const eidSettingsForm = z.object({
  enabled: yesNo,
  providerLabel: text(100),
  issuer: text(500),
  clientId: text(200),
  clientAuth: z.enum(clientAuthMethods, { error: "platform.errors.choose" }),
  clientSecret: z.string().max(500, "identity.eidSettings.errors.tooLong").default(""),
  privateJwks: z.string().max(PRIVATE_JWKS_MAX, "platform.errors.tooLong").default(""),
  signedRequestObjects: yesNo,
  encryptedIdTokens: yesNo,
  acrValues: z.string().max(1000, "identity.eidSettings.errors.tooLong").default("").transform((s) => s.split(/\s+/).filter(Boolean)),
  identifierClaim: text(100),
  scope: z.string().trim().max(200, "identity.eidSettings.errors.tooLong").default("openid profile").transform((s) => s || "openid profile"),
  requiredFor: z.preprocess(list, z.array(z.enum(requestTypes, { error: "platform.errors.choose" }))),
});

/** The form's fields as the stored settings fill them in; never a secret. */
function formValues(config: EidConfig | null): Record<string, string | string[]> {
  if (!config) return { enabled: "no", clientAuth: "private_key_jwt", signedRequestObjects: "no", encryptedIdTokens: "no", identifierClaim: "sub", scope: "openid profile", requiredFor: [] };
  const yn = (b: boolean) => (b ? "yes" : "no");
  return {
    enabled: yn(config.enabled), providerLabel: config.providerLabel, issuer: config.issuer, clientId: config.clientId, clientAuth: config.clientAuth,
    signedRequestObjects: yn(config.signedRequestObjects), encryptedIdTokens: yn(config.encryptedIdTokens), acrValues: config.acrValues.join(" "),
    identifierClaim: config.identifierClaim, scope: config.scope, requiredFor: config.requiredFor,
  };
}

function page(call: Call<StaffActor>, extra: Record<string, unknown> = {}) {
  const config = readEidConfig(call.org);
  return {
    view: "settings/eid",
    locals: {
      title: call.t("settings.eid.title"), staffArea: true, requestTypes, clientAuthMethods, limits: { privateJwks: PRIVATE_JWKS_MAX },
      stored: eidConfigForDisplay(config), redirectUri: eidRedirectUri(call.ctx), values: formValues(config), saved: call.query.saved === "1", ...extra,
    },
  };
}

export const eidSettingsRoutes = [
  route({
    method: "get", path: EID_SETTINGS_PATH, who: staffAudience, action: "manage", on: settingsOf, reauth: true,
    run: (call) => page(call),
  }),
  route({
    method: "post", path: EID_SETTINGS_PATH, who: staffAudience, action: "manage", on: settingsOf,
    input: eidSettingsForm, form: (call) => page(call),
    run: async (call) => {
      // A stale password is not replayed after re-auth here (that would keep the secrets typed in):
      // the admin opens the page again, which asks for the password first.
      if (!recentlyAuthenticated(call.ctx, call.session)) throw new ValidationError({ _form: "settings.eid.reauthFirst" });
      await updateEidSettings(call.ctx, call.actor, call.input, call.ip);
      return { redirect: `${EID_SETTINGS_PATH}?saved=1` };
    },
  }),
];

export function eidSettingsRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: eidSettingsRoutes, ...settingsPolicy.forRoutes });
  return router;
}
