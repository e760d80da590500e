import argon2 from "argon2";

/** argon2id at OWASP's minimum (19 MiB, t=2, p=1). */
const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

/** A hash to verify against when the account does not exist, so timing reveals nothing. */
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword("rightsdesk-dummy-password");
  const target = hash ?? (await dummyHash);
  try {
    const ok = await argon2.verify(target, password);
    return ok && Boolean(hash);
  } catch {
    return false;
  }
}
