import { isLocale, translator, type Translate } from "../platform/i18n.js";
import { authorityFor } from "./authorities.js";

/**
 * The texts a requester reads when their request is refused in whole or in part, or extended:
 * one place, in the requester's language, so the staff preview, the stored thread message, the
 * status-page banner and a partial refusal attached to an access package all say the same.
 * Art. 12(4): every refusal gives the reasons and names the supervisory authority and the court.
 */

/** Legal grounds for refusing a request (all or part of it). */
export const refusalGrounds = [
  "identity_not_established",
  "manifestly_unfounded_or_excessive",
  "art17_3_exception",
  "rights_of_others",
  "national_restriction",
  "no_data_held",
] as const;
export type RefusalGround = (typeof refusalGrounds)[number];

/** Grounds that need the national law named (Art. 23(2): the restricting measure is a law). */
export const groundsNamingALaw: readonly RefusalGround[] = ["national_restriction"];

export const isRefusalGround = (g: unknown): g is RefusalGround => typeof g === "string" && (refusalGrounds as readonly string[]).includes(g);

export interface NoticeParties {
  /** The requester's language (what the request was filed in). */
  locale: string;
  reference: string;
  orgName: string;
  /** The organization's lead supervisory authority (its country code). */
  authorityCountry: string;
}

export interface RefusalInput extends NoticeParties {
  ground: RefusalGround;
  /** Why the ground applies to this request: staff's words, shown to the requester. */
  reasons: string;
  /** Staff's edited opening; empty: the ground's own template. */
  message?: string;
  /** The national law relied on (national_restriction). */
  law?: string;
}

const requesterT = (locale: string): Translate => translator(isLocale(locale) ? locale : "en");

/** The ground's opening in the requester's language (what the refusal form starts from). */
export function groundTemplate(p: NoticeParties & { ground: RefusalGround; law?: string }): string {
  const t = requesterT(p.locale);
  const body = t(`requests.notices.grounds.${p.ground}`, { reference: p.reference, law: p.law?.trim() || "—" });
  return `${t("requests.notices.greeting")}\n\n${body}\n\n${p.orgName}`;
}

/**
 * "You can complain to <authority> and go to court": named in the requester's language, with the
 * authority's complaint page and address, and the court of the organization's country.
 */
export function rightsToComplain(p: Pick<NoticeParties, "locale" | "authorityCountry">): string {
  const t = requesterT(p.locale);
  let authority = { name: "", url: "", address: "" };
  try {
    const a = authorityFor(p.authorityCountry);
    authority = { name: p.locale === "en" && a.nameEnglish !== a.nameLocal ? `${a.nameLocal} (${a.nameEnglish})` : a.nameLocal, url: a.complaintUrl, address: a.postalAddress.join(", ") };
  } catch {
    // An organization without a known authority still gets the sentence (checked by readiness).
  }
  const country = p.authorityCountry?.toUpperCase();
  const court = ["FI", "SE", "NL", "EE"].includes(country) ? t(`requests.notices.courts.${country}`) : t("requests.notices.courts.other");
  return t("requests.notices.rights", { authorityName: authority.name, authorityUrl: authority.url, authorityAddress: authority.address, court });
}

/** The whole refusal exactly as the requester reads it: opening, reasons, authority and court. */
export function refusalNoticeText(input: RefusalInput): string {
  const t = requesterT(input.locale);
  const opening = input.message?.trim() || groundTemplate(input);
  return [opening, t("requests.notices.reasons", { reasons: input.reasons.trim() }), rightsToComplain(input)].join("\n\n");
}

/**
 * A partial refusal (e.g. an access package with parts withheld under Art. 15(4)): the same
 * reasons, authority and court, opened by "answered, but not in full". For the package review.
 */
export function partialRefusalNoticeText(input: Omit<RefusalInput, "message">): string {
  const t = requesterT(input.locale);
  const ground = t(`requests.notices.grounds.${input.ground}`, { reference: input.reference, law: input.law?.trim() || "—" });
  const opening = `${t("requests.notices.greeting")}\n\n${t("requests.notices.partialIntro", { reference: input.reference })}\n${ground}`;
  return [opening, t("requests.notices.reasons", { reasons: input.reasons.trim() }), rightsToComplain(input), input.orgName].join("\n\n");
}

export const extensionKinds = ["complexity", "number_of_requests"] as const;
export type ExtensionKind = (typeof extensionKinds)[number];

/** Art. 12(3): the extension with its reasons and the new date, as the requester reads it. */
export function extensionNoticeText(input: NoticeParties & { kind: ExtensionKind; reasons: string; dueDate: string; formatDate: (ymd: string) => string }): string {
  const t = requesterT(input.locale);
  const why = [t(`requests.notices.extensionKinds.${input.kind}`), input.reasons.trim()].filter(Boolean).join(" ");
  return [
    t("requests.notices.greeting"),
    t("requests.notices.extension.intro", { reference: input.reference, date: input.formatDate(input.dueDate) }),
    t("requests.notices.extension.why", { reasons: why }),
    t("requests.notices.extension.law"),
    input.orgName,
  ].join("\n\n");
}
