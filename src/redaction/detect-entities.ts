/**
 * The redaction engine's entry point. `createDetector` compiles what a package has in common —
 * the known names and the requester's own identifiers — once; `detect` then makes one pass per
 * detector over a message or note and returns non-overlapping suggestions in text order.
 * `detectEntities` is the one-off form.
 *
 * Later callers: the review screen shows these suggestions per message and note; the package
 * builders apply the reviewer's accepted spans with `applyRedactions`; the research export
 * applies every suggestion, replacing `role`-carrying names by their role.
 */
import { detectAddresses } from "./addresses.js";
import { detectEmails, normalizeEmail } from "./emails.js";
import { detectHandles, normalizeHandle } from "./handles.js";
import { detectNationalIds, normalizeNationalId } from "./national-ids.js";
import { createPersonMatcher } from "./persons.js";
import { detectPhones, normalizePhone } from "./phones.js";
import { resolveOverlaps } from "./resolve-overlaps.js";
import { detectUrls } from "./urls.js";
import type { DetectOptions, Entity, KnownNames, RedactionLanguage, RequesterIdentifiers } from "./types.js";
import { redactionLanguages } from "./types.js";

export interface DetectorContext {
  knownNames?: KnownNames;
  requesterIdentifiers?: RequesterIdentifiers;
}

export interface Detector {
  detect(text: string, language: RedactionLanguage): Entity[];
}

/** "emma at gmail dot com" → "emma@gmail.com", so a spelled-out address compares with the requester's. */
function canonicalEmail(value: string): string {
  return normalizeEmail(
    value
      .replace(/\s?[(\[{]\s?(?:at|ät)\s?[)\]}]\s?|\s(?:at|ät|snabel-?a|apenstaartje|kukkumuna|miukumauku)\s/giu, "@")
      .replace(/\s?[(\[{]\s?(?:dot|piste|punkt|punt|täpp)\s?[)\]}]\s?|\s(?:dot|piste|punkt|punt|täpp)\s/giu, ".")
      .replace(/\s+/g, ""),
  );
}

function ownData(ids: RequesterIdentifiers | undefined): (entity: Entity, language: RedactionLanguage) => boolean {
  if (!ids) return () => false;
  const emails = new Set((ids.emails ?? []).map(normalizeEmail));
  const handles = new Set((ids.handles ?? []).map(normalizeHandle));
  const nationalIds = new Set((ids.nationalIds ?? []).map(normalizeNationalId));
  // The requester's numbers as every served country would read them, so "040 123 4567" in a
  // Swedish chat still matches "+358401234567".
  const phones = new Set((ids.phones ?? []).flatMap((p) => redactionLanguages.map((l) => normalizePhone(p, l))));
  return (entity, language) => {
    switch (entity.kind) {
      case "email":
        return emails.has(canonicalEmail(entity.text));
      case "handle":
        return handles.has(normalizeHandle(entity.text));
      case "national_id":
        return nationalIds.has(normalizeNationalId(entity.text));
      case "phone":
        return phones.has(normalizePhone(entity.text, language));
      default:
        return false;
    }
  };
}

export function createDetector(context: DetectorContext = {}): Detector {
  const persons = createPersonMatcher(context.knownNames);
  const isOwn = ownData(context.requesterIdentifiers);
  return {
    detect(text, language) {
      const candidates = [
        ...detectNationalIds(text, language),
        ...detectEmails(text),
        ...detectPhones(text, language),
        ...detectUrls(text),
        ...detectAddresses(text),
        ...detectHandles(text),
        ...persons.detect(text, language),
      ];
      // Resolve first, then drop the requester's own: their e-mail must also swallow the name inside it.
      return resolveOverlaps(candidates).filter((e) => !isOwn(e, language));
    },
  };
}

export function detectEntities(text: string, options: DetectOptions): Entity[] {
  return createDetector(options).detect(text, options.language);
}
