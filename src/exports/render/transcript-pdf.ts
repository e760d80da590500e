/**
 * Evidential PDFs:
 *  - writePoliceTranscriptPdf: chat transcripts a requester can hand to the police
 *    (e.g. Dutch "aangifte"), with a completeness/authenticity statement;
 *  - writeDossierPdf: a complaint file for a supervisory authority (GDPR Art. 77).
 * Both carry, on every page, "page X of Y", the verification code, the SHA-256
 * fingerprint of the canonical content (computed by the caller) and the verify URL,
 * so a single printed page can still be checked.
 */
import {
  createPdf,
  entry,
  field,
  heading,
  paragraph,
  renderPdf,
  title,
  type PdfDoc,
  type Translate,
} from "./pdf-kit.js";
import {
  formatDateTime,
  labelNeedsRole,
  roleLabel,
  type TranscriptContext,
  type TranscriptConversation,
  type TranscriptMessage,
} from "./transcript-html.js";

export interface PoliceTranscriptInput {
  orgName: string;
  reference: string;
  issuedAt: Date;
  timeZone: string;
  locale: string;
  verificationCode: string;
  contentSha256: string;
  verifyUrl: string;
  conversations: TranscriptConversation[];
  t: TranscriptContext["t"];
}

export interface DossierInput {
  orgName: string;
  reference: string;
  issuedAt: Date;
  timeZone: string;
  locale: string;
  verificationCode: string;
  contentSha256: string;
  verifyUrl: string;
  request: {
    type: string;
    receivedAt: Date;
    /** Calendar date, YYYY-MM-DD. */
    dueDate: string;
    extendedDueDate: string | null;
    identityMethod: string;
    status: string;
    decision: string | null;
    decisionReason: string | null;
    deadlineMet: boolean | null;
  };
  events: { at: Date; label: string; note: string | null }[];
  messages: { at: Date; author: string; body: string }[];
  authority: { nameLocal: string; nameEnglish: string; complaintUrl: string; postalAddress: string[] };
  t: TranscriptContext["t"];
}

interface Clock {
  locale: string;
  timeZone: string;
}

function when(date: Date, clock: Clock): string {
  return formatDateTime(date, clock.locale, clock.timeZone);
}

/**
 * A due date is a calendar day, not an instant: format it in UTC so it never shifts
 * by a day in the requester's time zone. Anything not YYYY-MM-DD is shown as given.
 */
export function formatCalendarDate(value: string, locale: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "long" }).format(date);
}

/**
 * Translates a code such as "erasure" under `prefix`, or shows the code itself when
 * no translation exists (loaders conventionally return the key for a missing key).
 */
function translateCode(t: Translate, prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  const text = t(key);
  return text === key || text === "" ? code : text;
}

function senderCaption(m: TranscriptMessage, t: Translate): string {
  const role = roleLabel(m.senderRole, t);
  return labelNeedsRole(m.senderLabel, role) ? `${m.senderLabel} (${role})` : m.senderLabel;
}

// ---------------------------------------------------------------- police transcript

function policeCover(doc: PdfDoc, input: PoliceTranscriptInput): void {
  const { t } = input;
  const total = input.conversations.reduce((n, c) => n + c.messages.length, 0);
  title(doc, t("exports.pdf.police.title"));
  paragraph(doc, t("exports.pdf.police.intro", { org: input.orgName }));
  field(doc, t("exports.transcript.organization"), input.orgName);
  field(doc, t("exports.transcript.reference"), input.reference);
  field(doc, t("exports.pdf.issued"), when(input.issuedAt, input));
  field(doc, t("exports.transcript.timeZone"), input.timeZone);
  field(doc, t("exports.pdf.conversationCount"), String(input.conversations.length));
  field(doc, t("exports.pdf.totalMessages"), String(total));
  heading(doc, t("exports.pdf.conversations"));
  for (const c of input.conversations) {
    entry(
      doc,
      t("exports.pdf.conversationHeading", { id: c.id }),
      [
        `${t("exports.transcript.topic")}: ${c.topic ?? t("exports.transcript.noTopic")}`,
        `${t("exports.transcript.started")}: ${when(c.startedAt, input)}`,
        `${t("exports.transcript.ended")}: ${c.endedAt ? when(c.endedAt, input) : t("exports.transcript.ongoing")}`,
        `${t("exports.transcript.messageCount")}: ${c.messages.length}`,
      ].join("\n"),
    );
  }
}

function policeConversation(doc: PdfDoc, c: TranscriptConversation, input: PoliceTranscriptInput): void {
  const { t } = input;
  doc.addPage();
  title(doc, t("exports.pdf.conversationHeading", { id: c.id }));
  field(doc, t("exports.transcript.topic"), c.topic ?? t("exports.transcript.noTopic"));
  field(doc, t("exports.transcript.messageCount"), String(c.messages.length));
  heading(doc, t("exports.transcript.messages"));
  if (c.messages.length === 0) paragraph(doc, t("exports.transcript.noMessages"));
  for (const m of c.messages) {
    entry(doc, `${when(m.sentAt, input)} · ${senderCaption(m, t)}`, m.body);
  }
  if (c.statements.length > 0) {
    heading(doc, t("exports.transcript.statements"));
    paragraph(doc, t("exports.transcript.statementsIntro"));
    for (const s of c.statements) {
      entry(doc, `${when(s.createdAt, input)} · ${t("exports.transcript.statementAdded")}`, s.body);
    }
  }
}

function policeClosing(doc: PdfDoc, input: PoliceTranscriptInput): void {
  const { t } = input;
  const total = input.conversations.reduce((n, c) => n + c.messages.length, 0);
  heading(doc, t("exports.pdf.completenessHeading"));
  paragraph(
    doc,
    t("exports.pdf.completeness", {
      org: input.orgName,
      reference: input.reference,
      conversations: input.conversations.length,
      messages: total,
      issued: when(input.issuedAt, input),
    }),
  );
  paragraph(doc, t("exports.pdf.howToVerify", { url: input.verifyUrl, code: input.verificationCode }));
  paragraph(doc, t("exports.transcript.privacyNote"));
}

export function writePoliceTranscriptPdf(input: PoliceTranscriptInput, out: NodeJS.WritableStream): Promise<void> {
  const doc = createPdf({
    title: `${input.t("exports.pdf.police.title")} – ${input.reference}`,
    issuedAt: input.issuedAt,
    locale: input.locale,
  });
  return renderPdf(doc, out, input, () => {
    policeCover(doc, input);
    for (const c of input.conversations) policeConversation(doc, c, input);
    policeClosing(doc, input);
  });
}

// ----------------------------------------------------------------- complaint dossier

function dossierRequest(doc: PdfDoc, input: DossierInput): void {
  const { t, request } = input;
  heading(doc, t("exports.pdf.dossier.askedHeading"));
  field(doc, t("exports.pdf.dossier.requestType"), translateCode(t, "exports.pdf.dossier.type", request.type));
  field(doc, t("exports.pdf.dossier.received"), when(request.receivedAt, input));
  field(doc, t("exports.pdf.dossier.status"), translateCode(t, "exports.pdf.dossier.statusCode", request.status));
  heading(doc, t("exports.pdf.dossier.identityHeading"));
  field(
    doc,
    t("exports.pdf.dossier.identityMethod"),
    translateCode(t, "exports.pdf.dossier.identity", request.identityMethod),
  );
}

function dossierTimeline(doc: PdfDoc, input: DossierInput): void {
  const { t } = input;
  heading(doc, t("exports.pdf.dossier.timelineHeading"));
  if (input.events.length === 0) paragraph(doc, t("exports.pdf.dossier.noEvents"));
  for (const e of input.events) entry(doc, `${when(e.at, input)} · ${e.label}`, e.note);
}

function dossierMessages(doc: PdfDoc, input: DossierInput): void {
  const { t } = input;
  heading(doc, t("exports.pdf.dossier.messagesHeading"));
  if (input.messages.length === 0) paragraph(doc, t("exports.pdf.dossier.noMessages"));
  for (const m of input.messages) entry(doc, `${when(m.at, input)} · ${m.author}`, m.body);
}

function dossierDecision(doc: PdfDoc, input: DossierInput): void {
  const { t, request } = input;
  heading(doc, t("exports.pdf.dossier.decisionHeading"));
  field(
    doc,
    t("exports.pdf.dossier.decision"),
    request.decision === null
      ? t("exports.pdf.dossier.noDecision")
      : translateCode(t, "exports.pdf.dossier.decisionCode", request.decision),
  );
  field(doc, t("exports.pdf.dossier.reason"), request.decisionReason ?? t("exports.pdf.dossier.noReason"));
}

function deadlineVerdict(t: Translate, met: boolean | null): string {
  if (met === true) return t("exports.pdf.dossier.deadlineMet");
  if (met === false) return t("exports.pdf.dossier.deadlineMissed");
  return t("exports.pdf.dossier.deadlinePending");
}

function dossierDeadlines(doc: PdfDoc, input: DossierInput): void {
  const { t, request, locale } = input;
  heading(doc, t("exports.pdf.dossier.deadlinesHeading"));
  field(doc, t("exports.pdf.dossier.dueDate"), formatCalendarDate(request.dueDate, locale));
  field(
    doc,
    t("exports.pdf.dossier.extendedDueDate"),
    request.extendedDueDate === null
      ? t("exports.pdf.dossier.noExtension")
      : formatCalendarDate(request.extendedDueDate, locale),
  );
  paragraph(doc, deadlineVerdict(t, request.deadlineMet));
}

function dossierAuthority(doc: PdfDoc, input: DossierInput): void {
  const { t, authority } = input;
  heading(doc, t("complaints.authority.heading"));
  paragraph(doc, t("complaints.authority.intro"));
  const name =
    authority.nameLocal === authority.nameEnglish
      ? authority.nameLocal
      : `${authority.nameLocal} (${authority.nameEnglish})`;
  field(doc, t("complaints.authority.name"), name);
  field(doc, t("complaints.authority.complaintPage"), authority.complaintUrl);
  field(
    doc,
    t("complaints.authority.postalAddress"),
    authority.postalAddress.length > 0
      ? [authority.nameLocal, ...authority.postalAddress].join("\n")
      : t("complaints.authority.noPostalAddress"),
  );
}

function dossierClosing(doc: PdfDoc, input: DossierInput): void {
  const { t } = input;
  heading(doc, t("exports.pdf.completenessHeading"));
  paragraph(
    doc,
    t("exports.pdf.dossier.authenticity", {
      org: input.orgName,
      reference: input.reference,
      issued: when(input.issuedAt, input),
    }),
  );
  paragraph(doc, t("exports.pdf.howToVerify", { url: input.verifyUrl, code: input.verificationCode }));
}

export function writeDossierPdf(input: DossierInput, out: NodeJS.WritableStream): Promise<void> {
  const { t } = input;
  const doc = createPdf({
    title: `${t("exports.pdf.dossier.title")} – ${input.reference}`,
    issuedAt: input.issuedAt,
    locale: input.locale,
  });
  return renderPdf(doc, out, input, () => {
    title(doc, t("exports.pdf.dossier.title"));
    paragraph(doc, t("exports.pdf.dossier.intro"));
    field(doc, t("exports.transcript.organization"), input.orgName);
    field(doc, t("exports.transcript.reference"), input.reference);
    field(doc, t("exports.pdf.issued"), when(input.issuedAt, input));
    field(doc, t("exports.transcript.timeZone"), input.timeZone);
    dossierRequest(doc, input);
    dossierTimeline(doc, input);
    dossierMessages(doc, input);
    dossierDecision(doc, input);
    dossierDeadlines(doc, input);
    dossierAuthority(doc, input);
    dossierClosing(doc, input);
  });
}
