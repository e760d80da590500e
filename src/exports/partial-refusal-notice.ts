/**
 * The Art. 12(4) notice that goes with a package from which the DPO withheld anything: what was
 * withheld and why, and that the requester can complain to the supervisory authority (named, with
 * its address and page) and go to court (named for the organization's country). A small function
 * on purpose: the refusal notices of the request decisions use the same facts.
 */
import { leadAuthority } from "../requests/authorities.js";
import type { Translate } from "../platform/i18n.js";
import { escapeHtml } from "../platform/text.js";
import type { RedactionCount } from "./package-redactions.js";

export interface PartialRefusalNotice {
  heading: string;
  intro: string;
  reasons: string[];
  authority: string;
  court: string;
}

const COURT_COUNTRIES = new Set(["FI", "SE", "NL", "EE"]);

/** Undefined when nothing was withheld by the review: then there is no refusal to explain. */
export function partialRefusalNotice(input: { orgName: string; country: string | null; authorityCountry?: string | null; counts: RedactionCount[]; t: Translate }): PartialRefusalNotice | undefined {
  const { t, counts } = input;
  if (counts.length === 0) return undefined;
  const reasons = counts.map((c) =>
    t("exports.notice.reasonLine", {
      reason: t(`exports.redaction.reason.${c.reason}`),
      basis: t(`exports.redaction.basis.${c.reason}`),
      passages: c.passages,
      messages: c.messages,
      notes: c.notes,
    }),
  );
  const a = leadAuthority(input.authorityCountry ?? input.country);
  const authority = a
    ? t("exports.notice.authority", {
        name: a.nameLocal === a.nameEnglish ? a.nameLocal : `${a.nameLocal} (${a.nameEnglish})`,
        address: [a.nameLocal, ...a.postalAddress].join(", "),
        url: a.complaintUrl,
      })
    : t("complaints.authority.unknownCountry");
  const country = (input.country ?? "").toUpperCase();
  const court = t("exports.notice.court", { court: t(`exports.notice.courts.${COURT_COUNTRIES.has(country) ? country : "other"}`) });
  return { heading: t("exports.notice.heading"), intro: t("exports.notice.intro", { org: input.orgName }), reasons, authority, court };
}

/** The notice as an HTML section (README.html and NOTICE.html); every value escaped. */
export function partialRefusalNoticeHtml(n: PartialRefusalNotice, headingTag = "h2"): string {
  return [
    `<section class="notice" id="partial-refusal">`,
    `<${headingTag}>${escapeHtml(n.heading)}</${headingTag}>`,
    `<p>${escapeHtml(n.intro)}</p>`,
    `<ul>${n.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ul>`,
    `<p>${escapeHtml(n.authority)}</p>`,
    `<p>${escapeHtml(n.court)}</p>`,
    "</section>",
  ].join("\n");
}

/** A stand-alone NOTICE.html for the ZIP. */
export function partialRefusalNoticeDocument(n: PartialRefusalNotice, locale: string): string {
  return [
    "<!DOCTYPE html>",
    `<html lang="${escapeHtml(locale)}">`,
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(n.heading)}</title>`,
    `<style>body { font-family: system-ui, "DejaVu Sans", sans-serif; line-height: 1.5; max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem; }</style>`,
    "</head>",
    "<body>",
    partialRefusalNoticeHtml(n, "h1"),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
