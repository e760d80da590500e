import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Envelope encryption. Chat content is sealed with AES-256-GCM under a per-conversation data key;
 * data keys are wrapped by the master key. Deleting a wrapped data key crypto-shreds everything
 * sealed under it. Sealed format: version(1) | nonce(12) | tag(16) | ciphertext.
 */
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface KeyRing {
  /** Wraps a fresh random data key; returns it in the clear (for use) and wrapped (for storage). */
  newDataKey(): { key: Buffer; wrapped: Buffer };
  unwrapDataKey(wrapped: Buffer): Buffer;
  /** Seals small secrets (TOTP secrets, webhook secrets, signing keys) directly under the master key. */
  sealWithMaster(plain: string, purpose: string): string;
  openWithMaster(sealed: string, purpose: string): string;
  /** A keyed hash for lookups and pseudonyms (e-mail hashes, IP pseudonyms). */
  keyedHash(purpose: string, value: string): string;
  /**
   * The blind index of a personal value (sign-in by e-mail, duplicate detection, staff search):
   * an HMAC under its own key, so equal values can be found without storing either. Kept in the
   * key ring (not computed from the master key by callers) so a rotation can re-index.
   */
  blindIndex(purpose: string, value: string): string;
}

export function seal(key: Buffer, plain: string | Buffer, aad: string): Buffer {
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]);
}

export function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed[0] !== VERSION) throw new Error("unknown sealed format");
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES);
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]);
}

export function openText(key: Buffer, sealed: Buffer, aad: string): string {
  return open(key, sealed, aad).toString("utf8");
}

/** Sub-keys derived from the master key, so no key serves two purposes. */
function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", master, Buffer.alloc(0), `rightsdesk:${purpose}`, 32));
}

export function createKeyRing(master: Buffer): KeyRing {
  if (master.length !== 32) throw new Error("master key must be 32 bytes");
  const wrapKey = deriveKey(master, "wrap-data-key");
  const hashKey = deriveKey(master, "keyed-hash");
  const indexKey = deriveKey(master, "blind-index");
  return {
    newDataKey() {
      const key = crypto.randomBytes(32);
      return { key, wrapped: seal(wrapKey, key, "data-key") };
    },
    unwrapDataKey: (wrapped) => open(wrapKey, wrapped, "data-key"),
    sealWithMaster: (plain, purpose) => seal(wrapKey, plain, `secret:${purpose}`).toString("base64"),
    openWithMaster: (sealed, purpose) => openText(wrapKey, Buffer.from(sealed, "base64"), `secret:${purpose}`),
    keyedHash: (purpose, value) =>
      crypto.createHmac("sha256", hashKey).update(`${purpose}\0${value}`).digest("hex"),
    blindIndex: (purpose, value) =>
      crypto.createHmac("sha256", indexKey).update(`${purpose}\0${value}`).digest("base64url"),
  };
}

/**
 * The master key comes from MASTER_KEY, or in the embedded default is generated once into
 * DATA_DIR/master.key with mode 0600. A server deployment must provide it explicitly.
 */
export function loadMasterKey(opts: { masterKey?: string; dataDir: string; embedded: boolean }): Buffer {
  if (opts.masterKey) return Buffer.from(opts.masterKey, "base64");
  if (!opts.embedded) throw new Error("MASTER_KEY is required when DATABASE_URL is set");
  const file = path.join(opts.dataDir, "master.key");
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** Constant-time comparison of two strings of hex or base64url. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString("base64url");
}
