import { boolean, jsonb, pgTable, text, uuid, unique, index } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "./columns.js";

export type VerificationMethods = { account: boolean; email: boolean; receipt: boolean };
/** Per request type, the lowest sign-in that may file it; a type not named takes any method offered. */
/** Per request type (schema/requests.ts requestTypes): the weakest sign-in that may ask for it. */
export type MinimumAssurance = Partial<Record<string, "email" | "account" | "strong_eid">>;

export const organizations = pgTable("organizations", {
  id: id(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  country: text("country").notNull(),
  timeZone: text("time_zone").notNull(),
  defaultLocale: text("default_locale").notNull().default("en"),
  locales: text("locales").array().notNull().default(["en"]),
  /** Host names that serve this organization's requester portal. */
  hostnames: text("hostnames").array().notNull().default([]),
  /** Country code of the lead supervisory authority (see complaints/authorities.ts). */
  authorityCountry: text("authority_country").notNull(),
  verificationMethods: jsonb("verification_methods")
    .$type<VerificationMethods>()
    .notNull()
    .default({ account: true, email: true, receipt: true }),
  mailFrom: text("mail_from"),
  /** Display name of the organization's e-mails (the helpline's own name); null: MAIL_FROM as it is. */
  mailSenderName: text("mail_sender_name"),
  dpoEmail: text("dpo_email"),
  minimumAssurance: jsonb("minimum_assurance").$type<MinimumAssurance>().notNull().default({}),
  /** Off: no chat's IP address is stored at all, whichever way it arrives (API, import, seed). */
  storeIpAddresses: boolean("store_ip_addresses").notNull().default(true),
  /** Ed25519 public key (SPKI PEM) used to sign export manifests; the private key is wrapped. */
  signingPublicKey: text("signing_public_key").notNull(),
  signingPrivateKeyWrapped: text("signing_private_key_wrapped").notNull(),
  /**
   * Art. 13/15 information shown in every access package: purposes, legal bases, categories,
   * source, transfers, each per offered language (settings/schema.ts reads and writes it typed).
   */
  privacyInfo: jsonb("privacy_info").$type<Record<string, unknown>>().notNull().default({}),
  /** Strong eID sign-in (OpenID Connect); null: not offered. identity/oidc-config.ts reads it typed; secrets inside are sealed. */
  eidConfig: jsonb("eid_config").$type<Record<string, unknown>>(),
  createdAt: createdAt(),
});

export const staffRoles = ["reviewer", "dpo", "admin"] as const;
export type StaffRole = (typeof staffRoles)[number];

export const staffUsers = pgTable(
  "staff_users",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role").$type<StaffRole>().notNull(),
    /** Language of the staff area and staff e-mails; null means the organization's default. */
    locale: text("locale"),
    passwordHash: text("password_hash"),
    /** TOTP secret encrypted under the master key (platform/crypto.ts sealWithMaster). */
    totpSecretEnc: text("totp_secret_enc"),
    totpEnrolledAt: ts("totp_enrolled_at"),
    inviteTokenHash: text("invite_token_hash"),
    inviteExpiresAt: ts("invite_expires_at"),
    disabledAt: ts("disabled_at"),
    lastSignInAt: ts("last_sign_in_at"),
    createdAt: createdAt(),
  },
  (t) => [unique("staff_users_org_email").on(t.orgId, t.email)],
);

/**
 * Two-factor recovery codes: ten per staff member, made when the second factor is enrolled and
 * shown once. Only an HMAC of each code is kept (platform/crypto.ts keyedHash, bound to the staff
 * member); a code works once (used_at).
 */
export const staffRecoveryCodes = pgTable(
  "staff_recovery_codes",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    staffId: uuid("staff_id").notNull().references(() => staffUsers.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: ts("used_at"),
    createdAt: createdAt(),
  },
  (t) => [unique("staff_recovery_codes_staff_hash").on(t.staffId, t.codeHash)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    scopes: text("scopes").array().notNull(),
    createdBy: uuid("created_by").references(() => staffUsers.id),
    lastUsedAt: ts("last_used_at"),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("api_tokens_org").on(t.orgId)],
);

export const recipients = pgTable("recipients", {
  id: id(),
  orgId: uuid("org_id").notNull().references(() => organizations.id),
  name: text("name").notNull(),
  description: text("description"),
  webhookUrl: text("webhook_url"),
  /** HMAC secret for outbound webhooks, encrypted under the master key. */
  webhookSecretEnc: text("webhook_secret_enc"),
  active: boolean("active").notNull().default(true),
  createdAt: createdAt(),
});
