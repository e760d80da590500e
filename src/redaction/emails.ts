/**
 * E-mail addresses, plain ("emma.k@gmail.com") and spelled out to dodge filters
 * ("emma at gmail dot com", "emma(at)gmail.com", "emma ät gmail piste com").
 */
import type { Entity } from "./types.js";

// Lookbehind: a match starts only where a local part starts, so a long run without "@" fails
// once (at its start) instead of once per character. All quantifiers are bounded.
const PLAIN = /(?<![\p{L}\p{N}._%+\-])[\p{L}\p{N}_%+\-](?:[\p{L}\p{N}._%+\-]{0,63})@[\p{L}\p{N}\-]{1,63}(?:\.[\p{L}\p{N}\-]{1,63}){0,4}\.\p{L}{2,24}(?![\p{L}\p{N}\-])/gu;

// Spelled-out addresses only with a known top-level domain, so "meet at school dot" is left alone.
const AT = String.raw`(?:\s?[(\[{]\s?(?:at|ät|ät)\s?[)\]}]\s?|\s(?:at|ät|snabel-?a|apenstaartje|kukkumuna|miukumauku)\s)`;
const DOT = String.raw`(?:\s?[(\[{]\s?(?:dot|piste|punkt|punt|täpp)\s?[)\]}]\s?|\s(?:dot|piste|punkt|punt|täpp)\s|\.)`;
const TLD = "(?:com|net|org|fi|se|nl|ee|eu|uk|co\\.uk|me|io|nu)";
const SPELLED = new RegExp(
  String.raw`(?<![\p{L}\p{N}._\-])[\p{L}\p{N}_\-](?:[\p{L}\p{N}._\-]{0,63})${AT}[\p{L}\p{N}\-]{1,63}(?:${DOT}[\p{L}\p{N}\-]{1,63}){0,2}?${DOT}${TLD}(?![\p{L}\p{N}])`,
  "giu",
);

export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase();
}

export function detectEmails(text: string): Entity[] {
  const found: Entity[] = [];
  if (text.includes("@")) {
    for (const m of text.matchAll(PLAIN)) {
      found.push({ kind: "email", start: m.index, end: m.index + m[0].length, text: m[0], confidence: 0.99, source: "pattern" });
    }
  }
  for (const m of text.matchAll(SPELLED)) {
    if (m[0].includes("@")) continue;
    found.push({ kind: "email", start: m.index, end: m.index + m[0].length, text: m[0], confidence: 0.85, source: "pattern" });
  }
  return found;
}
