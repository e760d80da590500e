import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import type { KeyRing } from "../platform/crypto.js";

/** 8 digits: 10^8 possibilities against at most 5 tries per code. */
export const EMAIL_CODE_DIGITS = 8;
export const EMAIL_CODE_TTL_MS = 15 * 60_000;
/** A code dies after this many wrong tries. */
export const EMAIL_CODE_MAX_TRIES = 5;

/** Advisory-lock namespace for one address's codes (the second key is a hash of the address). */
const CODE_LOCK_NAMESPACE = 7_202_303;

export function newEmailCode(): string {
  return crypto.randomInt(0, 10 ** EMAIL_CODE_DIGITS).toString().padStart(EMAIL_CODE_DIGITS, "0");
}

/** How a code is shown in the mail: two groups of four, easier to read and type on a phone. */
export function displayEmailCode(code: string): string {
  return `${code.slice(0, 4)} ${code.slice(4)}`;
}

/** What people type, with spaces or dashes, back to the bare digits (anything else stays as is). */
export function normalizeEmailCode(input: string): string {
  return input.replace(/[\s\u00a0-]/g, "");
}

export function isEmailCodeShape(input: string): boolean {
  return new RegExp(`^\\d{${EMAIL_CODE_DIGITS}}$`).test(normalizeEmailCode(input));
}

/**
 * Codes are stored only as a keyed hash bound to the organization and address: a copy of the
 * table neither reveals a code nor lets one be tried offline without the master key.
 */
export function emailCodeHash(keys: KeyRing, orgId: string, addressHash: string, code: string): string {
  return keys.keyedHash("email-code", `${orgId}:${addressHash}:${normalizeEmailCode(code)}`);
}

/** Serializes sending and checking codes for one address, on every instance. */
export async function lockAddress(tx: Tx, orgId: string, addressHash: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${CODE_LOCK_NAMESPACE}, hashtext(${`${orgId}:${addressHash}`}))`);
}
