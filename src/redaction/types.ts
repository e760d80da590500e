/**
 * The redaction engine's vocabulary. The engine is pure (no database, no I/O): the review screen,
 * the package builders and the research export call it and decide what to do with its
 * suggestions. Offsets are UTF-16 code units (JavaScript string indices), end exclusive.
 */

export const entityKinds = ["person", "phone", "email", "address", "national_id", "url", "handle"] as const;
export type EntityKind = (typeof entityKinds)[number];

export const redactionLanguages = ["fi", "sv", "nl", "et", "en"] as const;
export type RedactionLanguage = (typeof redactionLanguages)[number];

/** Countries whose national identity numbers the engine validates by checksum. */
export type IdCountry = "FI" | "SE" | "NL" | "EE";

/** Why a span was suggested: the reviewer sees it, and the bench breaks figures down by it. */
export type EntitySource =
  | "known" // a name the platform sent (participant, counsellor)
  | "dictionary" // a first name from the lexicon of the message's language (or another)
  | "context" // a cue such as "my brother X", "mun kaveri X", "min insta är X"
  | "pattern" // a regular pattern (e-mail, URL, handle, street address, surname shape)
  | "checksum" // a national identity number whose check digit validates
  | "library"; // libphonenumber-js accepted the number as valid

export interface Entity {
  kind: EntityKind;
  start: number;
  end: number;
  text: string;
  /** 0..1, how sure the engine is; the review screen may pre-accept above a threshold. */
  confidence: number;
  source: EntitySource;
  /** For known names: the role the platform sent ("counsellor", "participant", …), for research excerpts. */
  role?: string;
  /** For national_id: whose scheme validated it. */
  country?: IdCountry;
}

export interface KnownPerson {
  name: string;
  role: string;
}

export interface KnownNames {
  /** The requester's own names (full name, nickname, chat handle): never suggested. */
  requester: string[];
  /** Participants and counsellors the platform sent: always suggested, in all their forms. */
  others: KnownPerson[];
}

/** The requester's own contact details and numbers: their own data, never third-party. */
export interface RequesterIdentifiers {
  emails?: string[];
  phones?: string[];
  nationalIds?: string[];
  handles?: string[];
}

export interface DetectOptions {
  language: RedactionLanguage;
  knownNames?: KnownNames;
  requesterIdentifiers?: RequesterIdentifiers;
}

/** The reasons a reviewer gives for a redaction or a withheld message (catalog keys live with the screen). */
export const redactionReasons = [
  "third_party_rights", // Art. 15(4): rights and freedoms of others
  "national_law", // Art. 23 restriction in national law (e.g. child-protection secrecy)
  "crime_prevention", // Art. 23(1)(d): would prejudice an investigation
  "legal_privilege", // legal professional privilege
  "counsellor_confidentiality", // a counsellor's confidential notes about others
] as const;
export type RedactionReason = (typeof redactionReasons)[number];

/** A half-open range of UTF-16 offsets in one text. */
export interface Span {
  start: number;
  end: number;
}
