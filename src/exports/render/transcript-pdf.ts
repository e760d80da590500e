/**
 * Evidential PDF: writePoliceTranscriptPdf, chat transcripts a requester can hand to the police
 * (e.g. Dutch "aangifte"), with a completeness/authenticity statement. (The complaint dossier is
 * complaints/dossier-pdf.ts, on the same pdf-kit helpers.) It carries, on every page, "page X of Y", the verification code, the SHA-256
 * fingerprint of the canonical content (computed by the caller) and the verify URL,
 * so a single printed page can still be checked.
 */
import {
  createPdf,
  entry,
  field,
  heading,
  keepTogether,
  paragraph,
  renderPdf,
  title,
  type PdfDoc,
  type Translate,
} from "./pdf-kit.js";
import {
  formatDate,
  formatDateTime,
  labelNeedsRole,
  roleLabel,
  type TranscriptContext,
  type TranscriptConversation,
  type TranscriptMessage,
} from "./transcript-html.js";
import type { PartialRefusalNotice } from "../partial-refusal-notice.js";

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
  /** "What we left out, and why", one sentence each (counts with reasons). */
  withheld?: string[];
  /** Art. 12(4), when the DPO's review withheld anything. */
  notice?: PartialRefusalNotice;
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

function senderCaption(m: TranscriptMessage, t: Translate): string {
  // The requester's label is already a role word ("Requester"), never "You (You)".
  if (m.senderRole === "subject") return m.senderLabel;
  const role = roleLabel(m.senderRole, t);
  return labelNeedsRole(m.senderLabel, role) ? `${m.senderLabel} (${role})` : m.senderLabel;
}

// ---------------------------------------------------------------- police transcript

/** A conversation is headed by when it took place and its topic: an officer never reads an id. */
function conversationTitle(c: TranscriptConversation, input: PoliceTranscriptInput): string {
  const date = formatDate(c.startedAt, input.locale, input.timeZone);
  return c.topic ? input.t("exports.pdf.conversationTitle", { date, topic: c.topic }) : input.t("exports.pdf.conversationUntitled", { date });
}

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
      conversationTitle(c, input),
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
  title(doc, conversationTitle(c, input));
  field(doc, t("exports.transcript.topic"), c.topic ?? t("exports.transcript.noTopic"));
  field(doc, t("exports.transcript.messageCount"), String(c.messages.length));
  heading(doc, t("exports.transcript.messages"));
  if (c.messages.length === 0) paragraph(doc, t("exports.transcript.noMessages"));
  for (const m of c.messages) {
    entry(doc, `${when(m.sentAt, input)} · ${senderCaption(m, t)}`, m.body);
  }
  if (c.statements.length > 0) {
    heading(doc, t("exports.pdf.police.statements"));
    paragraph(doc, t("exports.pdf.police.statementsIntro"));
    for (const s of c.statements) {
      entry(doc, `${when(s.createdAt, input)} · ${t("exports.pdf.police.statementAdded")}`, s.body);
    }
  }
}

function policeClosing(doc: PdfDoc, input: PoliceTranscriptInput): void {
  const { t } = input;
  const total = input.conversations.reduce((n, c) => n + c.messages.length, 0);
  const statement = [
    t("exports.pdf.completeness", { org: input.orgName, reference: input.reference, conversations: input.conversations.length, messages: total, issued: when(input.issuedAt, input) }),
    t("exports.pdf.howToVerify", { url: input.verifyUrl, code: input.verificationCode }),
    t("exports.transcript.privacyNote"),
  ];
  // The statement is read as one: it never starts at the foot of a page and ends on the next.
  keepTogether(doc, statement);
  heading(doc, t("exports.pdf.completenessHeading"));
  for (const text of statement) paragraph(doc, text);
  if (input.withheld && input.withheld.length > 0) {
    heading(doc, t("exports.withheld.heading"));
    for (const line of input.withheld) paragraph(doc, `• ${line}`);
  }
  if (input.notice) {
    const n = input.notice;
    heading(doc, n.heading);
    paragraph(doc, n.intro);
    for (const line of n.reasons) paragraph(doc, `• ${line}`);
    paragraph(doc, n.authority);
    paragraph(doc, n.court);
  }
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
