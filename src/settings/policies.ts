import { policy, roles, type RulesByKind } from "../platform/policy.js";

/** The organization's settings: what an access answer and every notice are made from. */
export type SettingsResource = { kind: "settings"; orgId: string };

/** Admins keep them; the DPO answers for what they say but changes them through an admin. */
const rules = { settings: { manage: roles.administers } } satisfies RulesByKind<SettingsResource>;

/** Tenant first: another organization's settings are "not found"; a role without the right is "forbidden". */
export const settingsPolicy = policy<SettingsResource, typeof rules>(rules);
export const { can: canSettings, authorize: authorizeSettings } = settingsPolicy;
