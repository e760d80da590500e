import crypto from "node:crypto";
import type { Executor } from "../db/client.js";
import { organizations, type MinimumAssurance, type VerificationMethods } from "../db/schema/index.js";
import type { KeyRing } from "./crypto.js";

export interface NewOrganization {
  slug: string;
  name: string;
  country: string;
  timeZone: string;
  defaultLocale: string;
  locales: string[];
  hostnames?: string[];
  authorityCountry?: string;
  verificationMethods?: VerificationMethods;
  dpoEmail?: string;
  mailFrom?: string;
  mailSenderName?: string;
  minimumAssurance?: MinimumAssurance;
  storeIpAddresses?: boolean;
  privacyInfo?: Record<string, unknown>;
}

export const SIGNING_KEY_PURPOSE = "org-signing-key";

/** Creates an organization with its own Ed25519 signing key (private half wrapped by the master key). */
export async function createOrganization(db: Executor, keys: KeyRing, input: NewOrganization) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const [org] = await db
    .insert(organizations)
    .values({
      ...input,
      hostnames: input.hostnames ?? [],
      authorityCountry: input.authorityCountry ?? input.country,
      signingPublicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
      signingPrivateKeyWrapped: keys.sealWithMaster(
        privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        SIGNING_KEY_PURPOSE,
      ),
    })
    .returning();
  return org!;
}

export function organizationSigningKey(keys: KeyRing, org: { signingPrivateKeyWrapped: string }): crypto.KeyObject {
  return crypto.createPrivateKey(keys.openWithMaster(org.signingPrivateKeyWrapped, SIGNING_KEY_PURPOSE));
}

/**
 * A counter per process (per context) that moves whenever an organization's row changes here, so
 * the organization cache of resolveOrganization reloads at once instead of after its timeout.
 */
const generations = new WeakMap<object, number>();

export function organizationsChanged(owner: object): void {
  generations.set(owner, (generations.get(owner) ?? 0) + 1);
}

export function organizationsGeneration(owner: object): number {
  return generations.get(owner) ?? 0;
}
