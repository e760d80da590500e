/**
 * Self-contained, print-friendly HTML transcript of one conversation (GDPR Art. 15(3)
 * copy in a form that opens offline in any browser). Chat text is hostile input:
 * every piece of caller-provided text goes through escapeHtml, and a CSP meta tag
 * forbids scripts and external loads in case an escape is ever missed.
 */
import { escapeHtml } from "../../platform/text.js";

export interface TranscriptMessage {
  sentAt: Date;
  senderRole: "subject" | "worker" | "system" | "other";
  /** Already pseudonymised / role-labelled by the caller (Art. 15(4)). */
  senderLabel: string;
  body: string;
}

export interface TranscriptConversation {
  id: string;
  topic: string | null;
  startedAt: Date;
  endedAt: Date | null;
  messages: TranscriptMessage[];
  /** Requester statements attached under Art. 16; history itself is never rewritten. */
  statements: { createdAt: Date; body: string }[];
}

export interface TranscriptContext {
  orgName: string;
  reference: string;
  timeZone: string;
  locale: string;
  t: (key: string, vars?: Record<string, string | number>) => string;
}

const ROLES = new Set<TranscriptMessage["senderRole"]>(["subject", "worker", "system", "other"]);

/** Role label via t; an unexpected runtime value falls back to "other" instead of a raw key. */
export function roleLabel(role: string, t: TranscriptContext["t"]): string {
  const safe = ROLES.has(role as TranscriptMessage["senderRole"]) ? role : "other";
  return t(`exports.transcript.role.${safe}`);
}

/** False when the caller's label already is the role ("Chat worker"), to avoid repeating it. */
export function labelNeedsRole(senderLabel: string, role: string): boolean {
  return senderLabel.trim().toLocaleLowerCase() !== role.trim().toLocaleLowerCase();
}

/**
 * Intl formatters are costly to build and cheap to use; a long transcript formats every message,
 * so they are cached per (locale, time zone, style).
 */
const formatterCache = new Map<string, Intl.DateTimeFormat>();

function cachedFormatter(locale: string, timeZone: string, style: "dateTime" | "date" | "time"): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${style}`;
  let f = formatterCache.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      style === "dateTime"
        ? { timeZone, dateStyle: "medium", timeStyle: "medium" }
        : style === "date"
          ? { timeZone, dateStyle: "full" }
          : { timeZone, timeStyle: "medium" };
    f = new Intl.DateTimeFormat(locale, options);
    if (formatterCache.size > 200) formatterCache.clear();
    formatterCache.set(key, f);
  }
  return f;
}

/** Date + time in the requester's time zone and locale (shared with the PDF renderer). */
export function formatDateTime(date: Date, locale: string, timeZone: string): string {
  return cachedFormatter(locale, timeZone, "dateTime").format(date);
}

export function formatDate(date: Date, locale: string, timeZone: string): string {
  return cachedFormatter(locale, timeZone, "date").format(date);
}

export function formatTime(date: Date, locale: string, timeZone: string): string {
  return cachedFormatter(locale, timeZone, "time").format(date);
}

/** Translated text, escaped: vars may carry user text, and translations are data too. */
function tx(ctx: TranscriptContext, key: string, vars?: Record<string, string | number>): string {
  return escapeHtml(ctx.t(key, vars));
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 46rem; padding: 1.5rem 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; border-bottom: 1px solid #ccc; padding-bottom: 0.25rem; }
h3 { font-size: 1rem; margin: 1.5rem 0 0.5rem; color: #444; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
ol.messages, ol.statements { list-style: none; padding: 0; margin: 0; }
li.msg, li.statement { border-left: 4px solid #999; padding: 0.4rem 0.75rem; margin: 0 0 0.75rem; break-inside: avoid; }
li.role-subject { border-color: #1f6feb; background: #f2f7ff; }
li.role-worker { border-color: #2e7d32; background: #f3faf3; }
li.role-system { border-color: #777; background: #f5f5f5; }
li.role-other { border-color: #8e44ad; background: #faf4fc; }
li.statement { border-color: #b26a00; background: #fff8ee; }
.who { font-weight: 600; }
li .role, li time { color: #555; font-size: 0.9rem; }
.body { margin: 0.25rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.note { color: #555; font-size: 0.9rem; margin-top: 2rem; }
.gentle { border-left: 4px solid #1d70b8; background: #f3f8fc; padding: 0.5rem 1rem; margin: 1rem 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  li.msg, li.statement { background: none !important; }
  h2 { break-after: avoid; }
}
`;

/** What the header needs: a conversation without its messages, plus how many there are. */
export type TranscriptHeader = Omit<TranscriptConversation, "messages" | "statements"> & { messageCount: number; ipAddress?: string | null };

function renderMeta(conv: TranscriptHeader, ctx: TranscriptContext): string {
  const { locale, timeZone } = ctx;
  const rows: [string, string][] = [
    ["exports.transcript.organization", escapeHtml(ctx.orgName)],
    ["exports.transcript.reference", escapeHtml(ctx.reference)],
    ["exports.transcript.topic", conv.topic ? escapeHtml(conv.topic) : tx(ctx, "exports.transcript.noTopic")],
    ["exports.transcript.started", timeTag(conv.startedAt, formatDateTime(conv.startedAt, locale, timeZone))],
    [
      "exports.transcript.ended",
      conv.endedAt
        ? timeTag(conv.endedAt, formatDateTime(conv.endedAt, locale, timeZone))
        : tx(ctx, "exports.transcript.ongoing"),
    ],
    ["exports.transcript.timeZone", escapeHtml(timeZone)],
    ["exports.transcript.messageCount", escapeHtml(String(conv.messageCount))],
    // Art. 15: the IP address is personal data the organization keeps; the readable copy shows it too.
    ...(conv.ipAddress ? [["exports.transcript.ipAddress", escapeHtml(conv.ipAddress)] as [string, string]] : []),
  ];
  const items = rows.map(([key, value]) => `<dt>${tx(ctx, key)}</dt><dd>${value}</dd>`).join("");
  return `<dl class="meta">${items}</dl>`;
}

function timeTag(date: Date, label: string): string {
  return `<time datetime="${escapeHtml(date.toISOString())}">${escapeHtml(label)}</time>`;
}

/**
 * Renders the messages of one transcript. What repeats from message to message is worked out
 * once: the sender caption per (role, label), and per minute the day heading and the clock time
 * up to its seconds (Intl formatting was most of a long transcript's rendering time).
 */
class MessageRenderer {
  private readonly senders = new Map<string, string>();
  private minute = Number.NaN;
  private minuteDay = "";
  /** The minute's clock time around its seconds, or undefined to format every message in full. */
  private clock: { before: string; after: string } | undefined;
  private isoMinute: string | undefined;

  constructor(private readonly ctx: TranscriptContext) {}

  day(sentAt: Date): string {
    this.enterMinute(sentAt);
    return this.clock ? this.minuteDay : formatDate(sentAt, this.ctx.locale, this.ctx.timeZone);
  }

  render(m: TranscriptMessage): string {
    const role = ROLES.has(m.senderRole) ? m.senderRole : "other";
    const time = `<time datetime="${this.isoString(m.sentAt)}">${escapeHtml(this.time(m.sentAt))}</time>`;
    return `<li class="msg role-${role}">${this.sender(role, m.senderLabel)}${time}<p class="body">${escapeHtml(m.body)}</p></li>`;
  }

  /** toISOString (never anything to escape in it), from the minute's "YYYY-MM-DDTHH:MM:". */
  private isoString(at: Date): string {
    this.enterMinute(at);
    if (!this.isoMinute) return at.toISOString();
    const ms = at.getTime() - this.minute * 60_000;
    return `${this.isoMinute}${String(Math.floor(ms / 1000)).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}Z`;
  }

  private sender(role: TranscriptMessage["senderRole"], senderLabel: string): string {
    const key = `${role}\u0000${senderLabel}`;
    let html = this.senders.get(key);
    if (html === undefined) {
      const label = roleLabel(role, this.ctx.t);
      const roleSpan = labelNeedsRole(senderLabel, label) ? `<span class="role">(${escapeHtml(label)})</span> ` : "";
      html = `<span class="who">${escapeHtml(senderLabel)}</span> ${roleSpan}`;
      if (this.senders.size > 10_000) this.senders.clear();
      this.senders.set(key, html);
    }
    return html;
  }

  private time(at: Date): string {
    this.enterMinute(at);
    if (!this.clock) return formatTime(at, this.ctx.locale, this.ctx.timeZone);
    const seconds = Math.floor((at.getTime() - this.minute * 60_000) / 1000);
    return `${this.clock.before}${String(seconds).padStart(2, "0")}${this.clock.after}`;
  }

  private enterMinute(at: Date): void {
    const minute = Math.floor(at.getTime() / 60_000);
    if (minute === this.minute) return;
    this.minute = minute;
    const start = new Date(minute * 60_000);
    const { locale, timeZone } = this.ctx;
    this.minuteDay = formatDate(start, locale, timeZone);
    this.clock = clockAroundSeconds(start, locale, timeZone);
    const iso = start.toISOString();
    this.isoMinute = iso.length === 24 ? iso.slice(0, 17) : undefined; // four-digit years
  }
}

/**
 * A minute's formatted time split around its seconds ("14:05:" + ss + ""), when the seconds are a
 * plain "00" at the minute's start: true of every zone whose offset is whole minutes, so each
 * second of the minute formats the same way. Anything else (an odd historic offset) is undefined.
 */
function clockAroundSeconds(minuteStart: Date, locale: string, timeZone: string): { before: string; after: string } | undefined {
  const parts = cachedFormatter(locale, timeZone, "time").formatToParts(minuteStart);
  const at = parts.findIndex((p) => p.type === "second");
  if (at < 0 || parts[at]!.value !== "00") return undefined;
  const join = (ps: Intl.DateTimeFormatPart[]) => ps.map((p) => p.value).join("");
  return { before: join(parts.slice(0, at)), after: join(parts.slice(at + 1)) };
}

function renderStatements(conv: Pick<TranscriptConversation, "statements">, ctx: TranscriptContext): string {
  if (conv.statements.length === 0) return "";
  const items = conv.statements
    .map(
      (s) =>
        `<li class="statement">` +
        `<span class="who">${tx(ctx, "exports.transcript.statementAdded")}</span> ` +
        timeTag(s.createdAt, formatDateTime(s.createdAt, ctx.locale, ctx.timeZone)) +
        `<p class="body">${escapeHtml(s.body)}</p></li>`,
    )
    .join("");
  return (
    `<section><h2>${tx(ctx, "exports.transcript.statements")}</h2>` +
    `<p>${tx(ctx, "exports.transcript.statementsIntro")}</p>` +
    `<ol class="statements">${items}</ol></section>`
  );
}

/**
 * Writes a transcript in pieces, so a long conversation is rendered page by page without holding
 * it in memory: begin(), then messages() for each batch, then end(). Messages are grouped under a
 * heading per calendar day in the requester's time zone; the grouping carries across batches.
 */
export class TranscriptHtmlWriter {
  private currentDay = "";
  private open = false;
  private written = 0;
  private readonly renderer: MessageRenderer;

  constructor(
    private readonly conv: TranscriptHeader,
    private readonly ctx: TranscriptContext,
  ) {
    this.renderer = new MessageRenderer(ctx);
  }

  begin(): string {
    const { ctx } = this;
    const title = tx(ctx, "exports.transcript.title");
    // Headed by when it took place and its topic, never by an id.
    const date = formatDate(this.conv.startedAt, ctx.locale, ctx.timeZone);
    const heading = this.conv.topic
      ? tx(ctx, "exports.pdf.conversationTitle", { date, topic: this.conv.topic })
      : tx(ctx, "exports.pdf.conversationUntitled", { date });
    return [
      "<!DOCTYPE html>",
      `<html lang="${escapeHtml(ctx.locale)}">`,
      "<head>",
      '<meta charset="utf-8">',
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
      '<meta name="referrer" content="no-referrer">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${title} – ${escapeHtml(ctx.reference)}</title>`,
      `<style>${STYLE}</style>`,
      "</head>",
      "<body>",
      "<header>",
      `<h1>${heading}</h1>`,
      `<p class="note">${title}</p>`,
      // Before the chat itself: old chats can be hard to read again.
      `<aside class="gentle" role="note"><p>${tx(ctx, "exports.transcript.gentle", { org: ctx.orgName })}</p></aside>`,
      renderMeta(this.conv, ctx),
      "</header>",
      "<main>",
      `<section><h2>${tx(ctx, "exports.transcript.messages")}</h2>`,
    ].join("\n");
  }

  messages(batch: readonly TranscriptMessage[]): string {
    const parts: string[] = [];
    for (const m of batch) {
      const day = this.renderer.day(m.sentAt);
      if (day !== this.currentDay) {
        if (this.open) parts.push("</ol>");
        parts.push(`<h3>${escapeHtml(day)}</h3><ol class="messages">`);
        this.currentDay = day;
        this.open = true;
      }
      parts.push(this.renderer.render(m));
      this.written += 1;
    }
    return parts.join("");
  }

  end(statements: TranscriptConversation["statements"]): string {
    const { ctx } = this;
    const closing = this.written === 0 ? `<p>${tx(ctx, "exports.transcript.noMessages")}</p>` : this.open ? "</ol>" : "";
    return [
      `${closing}</section>`,
      renderStatements({ statements }, ctx),
      "</main>",
      `<footer><p class="note">${tx(ctx, "exports.transcript.privacyNote")}</p></footer>`,
      "</body>",
      "</html>",
      "",
    ].join("\n");
  }
}

export function renderTranscriptHtml(conv: TranscriptConversation, ctx: TranscriptContext): string {
  const writer = new TranscriptHtmlWriter({ ...conv, messageCount: conv.messages.length }, ctx);
  return writer.begin() + writer.messages(conv.messages) + writer.end(conv.statements);
}
