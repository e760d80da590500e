import type { KeyRing } from "../platform/crypto.js";

/** The one form of an address the portal stores and compares: trimmed and lower-cased. */
export function normalizeEmail(input: string): string {
  return input.trim().toLowerCase();
}

/** Keyed hash of a normalized address: finds codes and counts attempts without storing it twice. */
export function emailHash(keys: KeyRing, email: string): string {
  return keys.keyedHash("email", normalizeEmail(email));
}

/** A short pseudonym of an identifier for audit details: links attempts, reveals nothing. */
export function identifierPseudonym(hash: string): string {
  return `id:${hash.slice(0, 16)}`;
}
