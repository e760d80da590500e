import { eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { wrappedRootKeys } from "../db/schema/index.js";
import { derivedLookupKeys, type KeyRing } from "./crypto.js";

/**
 * The keyed-hash and blind-index keys, stored wrapped by the master key. Every e-mail hash,
 * blind index, recovery-code hash and CSRF key is an HMAC under them, and none can be
 * recomputed without the plaintext, so they must stay the same across a master-key rotation:
 * only their wrapping changes. On the first start after they were introduced they are taken
 * from the master key the data was made under (as before), then kept here.
 */
export const ROOT_KEY_PURPOSES = ["keyed-hash", "blind-index"] as const;
export const rootKeyAad = (purpose: string) => `root-key:${purpose}`;

/** Loads (creating once) the lookup keys into the ring; throws MasterKeyMismatchError when the ring cannot open them. */
export async function loadRootKeys(db: Executor, keys: KeyRing, originalMaster: Buffer): Promise<void> {
  const derived = derivedLookupKeys(originalMaster);
  const initial = { "keyed-hash": derived.keyedHash, "blind-index": derived.blindIndex };
  // Concurrent first starts (several instances): the first insert wins, the rest read it.
  await db.insert(wrappedRootKeys)
    .values(ROOT_KEY_PURPOSES.map((purpose) => ({ purpose, wrappedKey: keys.wrapBytes(initial[purpose], rootKeyAad(purpose)) })))
    .onConflictDoNothing();
  const open = async (purpose: (typeof ROOT_KEY_PURPOSES)[number]) => {
    const [row] = await db.select().from(wrappedRootKeys).where(eq(wrappedRootKeys.purpose, purpose));
    return keys.unwrapBytes(row!.wrappedKey, rootKeyAad(purpose));
  };
  keys.useLookupKeys({ keyedHash: await open("keyed-hash"), blindIndex: await open("blind-index") });
}
