/**
 * Renders a text with spans replaced, e.g. by "[withheld: rights of others]" in an access copy or
 * by "[counsellor]" in a research excerpt. Overlapping or touching spans merge into one (the
 * marker is asked for the earliest); a span never cuts an emoji or other surrogate pair in half —
 * it widens to whole code points, so no lone surrogate reaches a PDF or a JSON file.
 */
import type { Span } from "./types.js";

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function widen(text: string, span: Span): Span {
  let { start, end } = span;
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
  if (end < text.length && end > 0 && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end++;
  return { start, end };
}

export function applyRedactions<T extends Span>(text: string, spans: readonly T[], marker: string | ((span: T) => string)): string {
  for (const s of spans) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > text.length || s.start >= s.end) {
      throw new RangeError(`redaction span ${s.start}–${s.end} is outside a text of length ${text.length}`);
    }
  }
  const ordered = spans
    .map((span) => ({ span, range: widen(text, span) }))
    .sort((a, b) => a.range.start - b.range.start || b.range.end - a.range.end);
  let out = "";
  let cursor = 0;
  let i = 0;
  while (i < ordered.length) {
    const first = ordered[i]!;
    let end = first.range.end;
    i++;
    while (i < ordered.length && ordered[i]!.range.start <= end) end = Math.max(end, ordered[i++]!.range.end);
    out += text.slice(cursor, first.range.start) + (typeof marker === "string" ? marker : marker(first.span));
    cursor = end;
  }
  return out + text.slice(cursor);
}
