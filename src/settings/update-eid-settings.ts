import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { organizations } from "../db/schema/index.js";
import { appendAudit, canonicalJson } from "../platform/audit.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { organizationsChanged } from "../platform/organizations.js";
import type { StaffActor } from "../platform/policy.js";
import { eidConfigForDisplay, eidConfigToStore, readEidConfig, type EidSettingsInput } from "../identity/oidc-config.js";
import { insecureAllowed } from "../identity/oidc-client.js";
import { authorizeSettings } from "./policies.js";
import { settingsActions } from "./update-settings.js";

/**
 * Saves the organization's strong eID settings. The row is locked; new secrets are sealed with
 * the keyring; the audit entry (same transaction) holds the old and new settings without any
 * secret, and only whether the client secret or the keys were replaced.
 */
export async function updateEidSettings(ctx: AppContext, actor: StaffActor, input: EidSettingsInput, ip?: string): Promise<{ changed: boolean }> {
  authorizeSettings(actor, "manage", { kind: "settings", orgId: actor.orgId });
  const result = await ctx.db.transaction(async (tx) => {
    const [org] = await tx.select().from(organizations).where(eq(organizations.id, actor.orgId)).for("update");
    if (!org) throw new NotFoundError("organization");
    const before = readEidConfig(org);
    const allowLoopbackHttp = input.issuer ? safeInsecure(ctx, input.issuer) : false;
    const stored = eidConfigToStore(ctx.keys, org.id, input, before, { allowLoopbackHttp });
    if ("errors" in stored) throw new ValidationError(stored.errors);
    const old = eidConfigForDisplay(before);
    const now = eidConfigForDisplay(stored.config);
    const secretReplaced = !!input.clientSecret;
    const keysReplaced = !!input.privateJwks.trim();
    if (canonicalJson(old) === canonicalJson(now) && !secretReplaced && !keysReplaced) return { changed: false };
    await tx.update(organizations).set({ eidConfig: stored.config as unknown as Record<string, unknown> }).where(eq(organizations.id, org.id));
    await appendAudit(tx, ctx, {
      orgId: org.id, actor: { type: "staff", id: actor.id, role: actor.role }, action: settingsActions.changed,
      target: { type: "organization", id: org.id }, ip,
      details: { section: "eid", old, new: now, ...(secretReplaced ? { clientSecretReplaced: true } : {}), ...(keysReplaced ? { privateKeysReplaced: true } : {}) },
    });
    return { changed: true };
  });
  if (result.changed) organizationsChanged(ctx);
  return result;
}

function safeInsecure(ctx: AppContext, issuer: string): boolean {
  try {
    return insecureAllowed(ctx, issuer);
  } catch {
    return false;
  }
}
