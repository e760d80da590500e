import type { WrappedColumn } from "./platform/key-rotation.js";
import { rootKeyAad } from "./platform/root-keys.js";
import { SIGNING_KEY_PURPOSE } from "./platform/organizations.js";
import { TOTP_SECRET_PURPOSE } from "./staff/totp.js";
import { WEBHOOK_SECRET_PURPOSE } from "./fulfilment/webhooks.js";
import { jwksPurpose, secretPurpose } from "./identity/oidc-config.js";

const dataKey = () => "data-key";
const secret = (purpose: string) => () => `secret:${purpose}`;

/**
 * Everything wrapped by the master key, for `npm run keys:rotate` (platform/key-rotation.ts).
 * A new table or column of wrapped keys or master-sealed secrets is one more line here; the
 * rotation test fails for a wrapped value that this list misses.
 */
export function wrappedColumns(): WrappedColumn[] {
  return [
    { name: "root_keys", table: "wrapped_root_keys", key: "purpose", column: "wrapped_key", encoding: "bytea", aad: (r) => rootKeyAad(r.key) },
    { name: "conversation_keys", table: "data_keys", column: "wrapped_key", encoding: "bytea", aad: dataKey },
    { name: "subject_keys", table: "subject_keys", column: "wrapped_key", encoding: "bytea", aad: dataKey },
    { name: "outbox_row_keys", table: "outbox", column: "key_wrapped", encoding: "bytea", aad: dataKey },
    { name: "export_file_keys", table: "exports", column: "file_key_wrapped", encoding: "bytea", aad: dataKey },
    { name: "org_signing_keys", table: "organizations", column: "signing_private_key_wrapped", encoding: "base64", aad: secret(SIGNING_KEY_PURPOSE) },
    { name: "eid_client_secrets", table: "organizations", column: "eid_config", jsonField: "clientSecretSealed", encoding: "base64", orgColumn: "id", aad: (r) => `secret:${secretPurpose(r.orgId!)}` },
    { name: "eid_private_jwks", table: "organizations", column: "eid_config", jsonField: "privateJwksSealed", encoding: "base64", orgColumn: "id", aad: (r) => `secret:${jwksPurpose(r.orgId!)}` },
    { name: "staff_totp_secrets", table: "staff_users", column: "totp_secret_enc", encoding: "base64", aad: secret(TOTP_SECRET_PURPOSE) },
    { name: "webhook_secrets", table: "recipients", column: "webhook_secret_enc", encoding: "base64", aad: secret(WEBHOOK_SECRET_PURPOSE) },
  ];
}
