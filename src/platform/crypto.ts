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
  /** The id of MASTER_KEY (hex, 4 bytes of an HMAC: names the key, reveals nothing of it). */
  readonly currentKeyId: string;
  /** Ids of every master key the ring accepts: the current one, then MASTER_KEY_PREVIOUS during a rotation. */
  readonly keyIds: readonly string[];
  /** Opens anything wrapped by a master key of the ring (aad as it was wrapped with) and wraps it under the current one. */
  rewrap(wrapped: Buffer, aad: string): Buffer;
  /** Wraps/unwraps raw bytes under the master key (root keys that must outlive a rotation). */
  wrapBytes(plain: Buffer, aad: string): Buffer;
  unwrapBytes(wrapped: Buffer, aad: string): Buffer;
  /** Replaces the keyed-hash and blind-index keys by the ones stored in the database (platform/root-keys.ts). */
  useLookupKeys(keys: { keyedHash: Buffer; blindIndex: Buffer }): void;
}

/** A wrapped value names the master key it is under (format 2), so the ring picks the key instead of trying each. */
const WRAP_VERSION = 2;
const KEY_ID_BYTES = 4;

/** Something is wrapped under a master key the ring does not hold: the portal was started with the wrong MASTER_KEY. */
export class MasterKeyMismatchError extends Error {
  constructor(readonly keyId: string, held: readonly string[]) {
    super(
      `data is wrapped under master key ${keyId}, but this process holds only ${held.join(", ")} ` +
      "(MASTER_KEY, then MASTER_KEY_PREVIOUS). Start with the key the data was last rotated to; during a rotation set both (README: Rotating the master key).",
    );
  }
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

/** The key id of a master key: public, stable, and useless for guessing the key. */
export function masterKeyId(master: Buffer): string {
  return crypto.createHmac("sha256", master).update("rightsdesk:key-id").digest().subarray(0, KEY_ID_BYTES).toString("hex");
}

/** The keyed-hash and blind-index keys as the master key alone defined them before they were stored (platform/root-keys.ts). */
export function derivedLookupKeys(master: Buffer): { keyedHash: Buffer; blindIndex: Buffer } {
  return { keyedHash: deriveKey(master, "keyed-hash"), blindIndex: deriveKey(master, "blind-index") };
}

interface MasterEntry { id: string; idBytes: Buffer; wrapKey: Buffer }

function masterEntry(master: Buffer): MasterEntry {
  if (master.length !== 32) throw new Error("master key must be 32 bytes");
  const id = masterKeyId(master);
  return { id, idBytes: Buffer.from(id, "hex"), wrapKey: deriveKey(master, "wrap-data-key") };
}

/** Format 2: version(1) | key id(4) | the format-1 body after its version byte (nonce | tag | ciphertext). */
function wrapUnder(entry: MasterEntry, plain: string | Buffer, aad: string): Buffer {
  const sealed = seal(entry.wrapKey, plain, aad);
  return Buffer.concat([Buffer.from([WRAP_VERSION]), entry.idBytes, sealed.subarray(1)]);
}

function unwrapWith(ring: readonly MasterEntry[], wrapped: Buffer, aad: string): Buffer {
  if (wrapped[0] === WRAP_VERSION) {
    const id = wrapped.subarray(1, 1 + KEY_ID_BYTES).toString("hex");
    const entry = ring.find((e) => e.id === id);
    if (!entry) throw new MasterKeyMismatchError(id, ring.map((e) => e.id));
    return open(entry.wrapKey, Buffer.concat([Buffer.from([VERSION]), wrapped.subarray(1 + KEY_ID_BYTES)]), aad);
  }
  // Format 1 (before key ids): under whichever master key of the ring opens it.
  for (const entry of ring) {
    try {
      return open(entry.wrapKey, wrapped, aad);
    } catch {
      /* the next key */
    }
  }
  throw new MasterKeyMismatchError("(unnamed, format 1)", ring.map((e) => e.id));
}

/**
 * The key ring: MASTER_KEY wraps everything new; MASTER_KEY_PREVIOUS, during a rotation, still
 * opens what is not rewrapped yet. The keyed-hash and blind-index keys do not change with the
 * master key (their hashes cannot be recomputed): derived from it until useLookupKeys.
 */
export function createKeyRing(master: Buffer, previous?: Buffer): KeyRing {
  const current = masterEntry(master);
  const ring = previous && !previous.equals(master) ? [current, masterEntry(previous)] : [current];
  let lookup = derivedLookupKeys(master);
  return {
    newDataKey() {
      const key = crypto.randomBytes(32);
      return { key, wrapped: wrapUnder(current, key, "data-key") };
    },
    unwrapDataKey: (wrapped) => unwrapWith(ring, wrapped, "data-key"),
    sealWithMaster: (plain, purpose) => wrapUnder(current, plain, `secret:${purpose}`).toString("base64"),
    openWithMaster: (sealed, purpose) => unwrapWith(ring, Buffer.from(sealed, "base64"), `secret:${purpose}`).toString("utf8"),
    keyedHash: (purpose, value) =>
      crypto.createHmac("sha256", lookup.keyedHash).update(`${purpose}\0${value}`).digest("hex"),
    blindIndex: (purpose, value) =>
      crypto.createHmac("sha256", lookup.blindIndex).update(`${purpose}\0${value}`).digest("base64url"),
    currentKeyId: current.id,
    keyIds: ring.map((e) => e.id),
    rewrap: (wrapped, aad) => wrapUnder(current, unwrapWith(ring, wrapped, aad), aad),
    wrapBytes: (plain, aad) => wrapUnder(current, plain, aad),
    unwrapBytes: (wrapped, aad) => unwrapWith(ring, wrapped, aad),
    useLookupKeys(keys) {
      lookup = { keyedHash: Buffer.from(keys.keyedHash), blindIndex: Buffer.from(keys.blindIndex) };
    },
  };
}

/** The hex prefix (version and key id) of everything wrapped under the ring's current master key. */
export function currentWrapPrefix(keys: KeyRing): string {
  return `0${WRAP_VERSION}${keys.currentKeyId}`;
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
