/**
 * The complaint dossier as a PDF in the requester's language, ready to attach to a supervisory
 * authority's complaint form. Every page carries the verification code, the SHA-256 of the
 * dossier's facts and the /verify address (exports/render/pdf-kit.ts), like the police transcript.
 */
import { createPdf, entry, field, heading, paragraph, renderPdf, title, type Translate } from "../exports/render/pdf-kit.js";
import { formatCalendarDate } from "../exports/render/transcript-pdf.js";
import type { DossierActor, DossierFacts } from "./dossier-data.js";

export interface DossierPdfInput {
  facts: DossierFacts;
  issuedAt: Date;
  /** Intl locale for dates, e.g. "fi-FI". */
  intlLocale: string;
  verificationCode: string;
  contentSha256: string;
  verifyUrl: string;
  t: Translate;
}

/** Shows an ISO time with offset (as the facts hold it) in the organization's time zone. */
function when(iso: string | null, input: DossierPdfInput): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(input.intlLocale, { timeZone: input.facts.organization.timeZone, dateStyle: "long", timeStyle: "short" }).format(new Date(iso));
}

const day = (ymd: string, input: DossierPdfInput) => formatCalendarDate(ymd, input.intlLocale);

/** A translated code, or the code itself when the catalog has no entry (never a raw key). */
function label(t: Translate, key: string): string {
  const text = t(key);
  return text === key ? key.slice(key.lastIndexOf(".") + 1) : text;
}

function byWhom(t: Translate, actor: DossierActor): string {
  return label(t, `complaints.dossier.actor.${actor}`);
}

function yesNo(t: Translate, value: boolean): string {
  return t(value ? "complaints.dossier.yes" : "complaints.dossier.no");
}

function cover(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  title(doc, t("complaints.dossier.title"));
  paragraph(doc, t("complaints.dossier.intro"));
  field(doc, t("exports.transcript.organization"), facts.organization.name);
  field(doc, t("exports.transcript.reference"), facts.request.reference);
  field(doc, t("exports.pdf.issued"), when(input.issuedAt.toISOString(), input));
  field(doc, t("exports.transcript.timeZone"), facts.organization.timeZone);
}

function asked(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  heading(doc, t("complaints.dossier.askedHeading"));
  field(doc, t("complaints.dossier.requestType"), label(t, `requests.types.${facts.request.type}.label`));
  field(doc, t("complaints.dossier.scope"), label(t, `requests.scopes.${facts.request.scope}`));
  field(doc, t("complaints.dossier.received"), when(facts.request.receivedAt, input));
  field(doc, t("complaints.dossier.conversations"), String(facts.request.conversationsInScope));
  field(doc, t("complaints.dossier.status"), label(t, `requests.status.${facts.request.status}`));
  heading(doc, t("complaints.dossier.identityHeading"));
  field(doc, t("complaints.dossier.identityMethod"), label(t, `complaints.dossier.assurance.${facts.request.identityMethod}`));
}

function deadlineVerdict(t: Translate, d: DossierFacts["deadlines"]): string {
  if (d.met === true) return t("complaints.dossier.deadlineMet");
  if (d.met === false && d.answeredAt) return t("complaints.dossier.deadlineMissed");
  if (d.met === false) return t("complaints.dossier.deadlineOverdue");
  return t("complaints.dossier.deadlinePending");
}

function deadlines(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  const d = facts.deadlines;
  heading(doc, t("complaints.dossier.deadlinesHeading"));
  field(doc, t("complaints.dossier.legalDue"), day(d.legalDueDate, input));
  if (d.extension) {
    field(doc, t("complaints.dossier.extendedTo"), d.extension.extendedDueDate ? day(d.extension.extendedDueDate, input) : "—");
    field(doc, t("complaints.dossier.extensionTold"), when(d.extension.toldAt, input));
    field(doc, t("complaints.dossier.extensionInTime"), yesNo(t, d.extension.toldWithinFirstMonth));
    if (d.extension.reason) field(doc, t("complaints.dossier.extensionReason"), d.extension.reason);
  } else {
    field(doc, t("complaints.dossier.extendedTo"), t("complaints.dossier.noExtension"));
  }
  if (d.pausedDays > 0) field(doc, t("complaints.dossier.pausedDays"), String(d.pausedDays));
  field(doc, t("complaints.dossier.effectiveDue"), day(d.effectiveDueDate, input));
  field(doc, t("complaints.dossier.answeredAt"), d.answeredAt ? when(d.answeredAt, input) : t("complaints.dossier.notAnswered"));
  paragraph(doc, deadlineVerdict(t, d));
}

function decision(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  const dec = facts.decision;
  heading(doc, t("complaints.dossier.decisionHeading"));
  if (!dec.outcome) {
    paragraph(doc, t("complaints.dossier.noDecision"));
    return;
  }
  field(doc, t("complaints.dossier.decision"), label(t, `requests.status.${dec.outcome}`));
  field(doc, t("complaints.dossier.decidedAt"), when(dec.decidedAt, input));
  field(doc, t("complaints.dossier.legalGround"), dec.legalGround ? label(t, `complaints.dossier.ground.${dec.legalGround}`) : t("complaints.dossier.noGround"));
  field(doc, t("complaints.dossier.reason"), dec.reason ?? t("complaints.dossier.noReason"));
}

function timeline(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  heading(doc, t("complaints.dossier.timelineHeading"));
  if (facts.events.length === 0) paragraph(doc, t("complaints.dossier.noEvents"));
  for (const e of facts.events) entry(doc, `${when(e.at, input)} · ${label(t, `requests.events.${e.kind}`)} (${byWhom(t, e.by)})`, e.note);
}

function thread(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  heading(doc, t("complaints.dossier.messagesHeading"));
  if (facts.messages.length === 0) paragraph(doc, t("complaints.dossier.noMessages"));
  for (const m of facts.messages) {
    const from = m.from === "requester" ? byWhom(t, "requester") : `${facts.organization.name} (${byWhom(t, m.role)})`;
    entry(doc, `${when(m.at, input)} · ${from}`, m.body);
  }
}

function complaintsSection(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  heading(doc, t("complaints.dossier.complaintsHeading"));
  if (facts.complaints.length === 0) paragraph(doc, t("complaints.dossier.noComplaints"));
  for (const c of facts.complaints) {
    entry(doc, `${c.reference} · ${when(c.receivedAt, input)} · ${label(t, `complaints.grounds.${c.grounds}`)}`, c.text || t("complaints.dossier.directToAuthority"));
    field(doc, t("complaints.dossier.complaintDue"), day(c.dueDate, input));
    field(doc, t("complaints.dossier.complaintAnsweredAt"), c.answeredAt ? when(c.answeredAt, input) : t("complaints.dossier.notAnswered"));
    if (c.answeredOnTime !== null) field(doc, t("complaints.dossier.complaintOnTime"), yesNo(t, c.answeredOnTime));
    if (c.answer) field(doc, t("complaints.dossier.complaintAnswer"), c.answer);
    if (c.escalatedAt) field(doc, t("complaints.dossier.escalatedAt"), when(c.escalatedAt, input));
    doc.moveDown(0.4);
  }
}

function authority(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  const a = facts.supervisoryAuthority;
  heading(doc, t("complaints.authority.heading"));
  paragraph(doc, t("complaints.authority.intro"));
  if (!a) {
    paragraph(doc, t("complaints.authority.unknownCountry"));
    return;
  }
  field(doc, t("complaints.authority.name"), a.nameLocal === a.nameEnglish ? a.nameLocal : `${a.nameLocal} (${a.nameEnglish})`);
  field(doc, t("complaints.authority.website"), a.website);
  field(doc, t("complaints.authority.complaintPage"), a.complaintUrl);
  field(doc, t("complaints.authority.postalAddress"), [a.nameLocal, ...a.postalAddress].join("\n"));
  paragraph(doc, t("complaints.authority.court"));
}

function closing(doc: PDFKit.PDFDocument, input: DossierPdfInput): void {
  const { t, facts } = input;
  heading(doc, t("complaints.dossier.leftOutHeading"));
  paragraph(doc, t("complaints.dossier.leftOut"));
  heading(doc, t("exports.pdf.completenessHeading"));
  paragraph(doc, t("complaints.dossier.authenticity", { org: facts.organization.name, reference: facts.request.reference, issued: when(input.issuedAt.toISOString(), input) }));
  paragraph(doc, t("exports.pdf.howToVerify", { url: input.verifyUrl, code: input.verificationCode }));
}

export function writeComplaintDossierPdf(input: DossierPdfInput, out: NodeJS.WritableStream): Promise<void> {
  const doc = createPdf({ title: `${input.t("complaints.dossier.title")} – ${input.facts.request.reference}`, issuedAt: input.issuedAt, locale: input.intlLocale });
  return renderPdf(doc, out, input, () => {
    cover(doc, input);
    asked(doc, input);
    deadlines(doc, input);
    decision(doc, input);
    timeline(doc, input);
    thread(doc, input);
    complaintsSection(doc, input);
    authority(doc, input);
    closing(doc, input);
  });
}
