/**
 * The way back to an erasure's outcome (issue 18). After an erasure nothing identifies the person
 * any more, so the outcome page is reached by a link signed for one organization's request
 * reference: the completion mail carries it, and a receipt-code sign-in of an erased conversation
 * is sent to it. A guessed reference without the signature shows nothing about the request.
 */
import type { KeyRing } from "../platform/crypto.js";
import { safeEqual } from "../platform/crypto.js";

export const ERASED_PATH = "/erased";

/** The tombstone's look-up value for a receipt code's hash: keyed, so a stored hash leads nowhere on its own. */
export const erasedReceiptIndex = (keys: KeyRing, receiptCodeHash: string) => keys.blindIndex("erased-receipt", receiptCodeHash);

const signatureOf = (keys: KeyRing, orgId: string, reference: string) => keys.keyedHash("erasure-outcome-link", `${orgId}\0${reference}`).slice(0, 32);

export function erasureOutcomePath(keys: KeyRing, orgId: string, reference: string): string {
  return `${ERASED_PATH}/${encodeURIComponent(reference)}?s=${signatureOf(keys, orgId, reference)}`;
}

export function isErasureOutcomeSignature(keys: KeyRing, orgId: string, reference: string, signature: unknown): boolean {
  return typeof signature === "string" && signature.length === 32 && safeEqual(signature, signatureOf(keys, orgId, reference));
}
