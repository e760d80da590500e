import crypto from "node:crypto";
import { sha256Hex } from "./crypto.js";

/** Crockford base32: no I, L, O or U, so codes survive being read aloud or typed on a phone. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function randomBase32(length: number): string {
  const bytes = crypto.randomBytes(length);
  // 256 is a multiple of 32, so taking the low 5 bits of a random byte is unbiased.
  return Array.from(bytes, (b) => ALPHABET[b & 31]).join("");
}

export function groups(code: string, size = 4): string {
  return code.match(new RegExp(`.{1,${size}}`, "g"))!.join("-");
}

/** Accepts what people type: lower case, spaces or dashes, O for 0, I or L for 1. */
export function normalizeBase32(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
}

/** A receipt code: 16 symbols = 80 bits, shown as four groups of four (e.g. 7K3Q-M9XA-2BCD-EF45). */
export function newReceiptCode(): string {
  return groups(randomBase32(16));
}

/**
 * SHA-256 of the normalized code. Unkeyed on purpose: the chat platform computes the same hash
 * when it pushes a conversation, and 80 bits leave nothing to brute-force.
 */
export function hashReceiptCode(code: string): string {
  return sha256Hex(`receipt:${normalizeBase32(code)}`);
}

export function isReceiptCodeShape(input: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(normalizeBase32(input));
}

/** A request reference such as RD-7K3Q-M9XA (40 bits; uniqueness enforced by the database). */
export function newReference(prefix = "RD"): string {
  return `${prefix}-${groups(randomBase32(8))}`;
}
