/**
 * One suggestion per stretch of text. Candidates are taken greedily: the longest first (an e-mail
 * address beats the name inside it, an address beats "Oliver" in "12 Oliver Road"), then the most
 * confident (a phone number over a bare 10-digit string that also passes the Swedish checksum),
 * then by kind, then the earliest. Same input, same output.
 */
import type { Entity, EntityKind } from "./types.js";

const KIND_RANK: Record<EntityKind, number> = { national_id: 0, email: 1, phone: 2, url: 3, address: 4, handle: 5, person: 6 };

export function resolveOverlaps(candidates: readonly Entity[]): Entity[] {
  const ordered = [...candidates].sort(
    (a, b) =>
      b.end - b.start - (a.end - a.start) ||
      b.confidence - a.confidence ||
      KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
      a.start - b.start,
  );
  const taken: Entity[] = [];
  for (const candidate of ordered) {
    if (candidate.end <= candidate.start) continue;
    if (taken.some((t) => candidate.start < t.end && t.start < candidate.end)) continue;
    taken.push(candidate);
  }
  return taken.sort((a, b) => a.start - b.start);
}
