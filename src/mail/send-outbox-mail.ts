import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { organizations } from "../db/schema/index.js";
import { ChannelUnavailableError, PermanentDeliveryError, type OpenedOutboxRow } from "../platform/outbox.js";
import { renderMail } from "./render.js";
import { isTemplateName, type MailTemplates, type TemplateName } from "./templates.js";
import type { MailAddress } from "../platform/mail-transport.js";

/** The outbox's e-mail deliverer: renders at send time, so a template fix reaches queued mail. */
export async function sendOutboxMail(ctx: AppContext, row: OpenedOutboxRow, from: MailAddress): Promise<void> {
  if (!isTemplateName(row.template)) throw new PermanentDeliveryError(`unknown template ${row.template}`);
  const rendered = await renderMail(
    row.template,
    row.locale,
    row.payload as unknown as MailTemplates[TemplateName],
  );
  try {
    await ctx.mail.send({ from, to: row.recipient, messageId: row.messageId, ...rendered });
  } catch (err) {
    throw classifySmtpError(err);
  }
}

/** The bare address of a From value ("Name <a@b>" or "a@b"). */
export function addressOf(from: string): string {
  return (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();
}

/**
 * The From of an organization's mail. With a sender name set (organization settings), that name
 * and the address of organizations.mail_from or else of MAIL_FROM: the helpline's own name, on an
 * address the installation may send from. Without one: mail_from when set (a bare address gets the
 * organization's name as display name), else MAIL_FROM.
 */
export async function mailFromFor(ctx: AppContext, orgId: string | null): Promise<MailAddress> {
  if (!orgId) return ctx.config.MAIL_FROM;
  const [org] = await ctx.db
    .select({ name: organizations.name, mailFrom: organizations.mailFrom, senderName: organizations.mailSenderName })
    .from(organizations)
    .where(eq(organizations.id, orgId));
  const mailFrom = org?.mailFrom?.trim();
  const senderName = org?.senderName?.trim();
  if (senderName) return { name: senderName, address: addressOf(mailFrom || ctx.config.MAIL_FROM) };
  if (!org || !mailFrom) return ctx.config.MAIL_FROM;
  return mailFrom.includes("<") ? mailFrom : { name: org.name, address: mailFrom };
}

type SmtpError = { code?: string; originalCode?: string; responseCode?: number; response?: string; command?: string; message?: string };

/** Errors about the connection, TLS or login: nothing to do with this message. */
const channelCodes = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "EAUTH", "ENOAUTH", "EPROTOCOL", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);
const channelCommands = new Set(["CONN", "EHLO", "HELO", "LHLO", "STARTTLS"]);

/**
 * Sorts an SMTP failure into what the outbox does with it:
 * - the recipient or the message refused with 5xx (RCPT TO, DATA), or an address nodemailer
 *   cannot use → PermanentDeliveryError: retrying cannot help; staff see it (failures.ts);
 * - the server unreachable, TLS or login failing, a greeting refused (even with 5xx: that is this
 *   installation's configuration, which an admin fixes) → ChannelUnavailableError: retried with
 *   backoff, and the rest of the batch waits too;
 * - anything else (4xx deferrals, a 5xx to MAIL FROM, which is an organization's sender setting)
 *   → retried with backoff.
 */
export function classifySmtpError(err: unknown): Error {
  const e = (err ?? {}) as SmtpError;
  const keep = <T extends Error>(to: T): T => Object.assign(to, { code: e.code, originalCode: e.originalCode, responseCode: e.responseCode, response: e.response, command: e.command });
  const message = (e.message ?? "SMTP error").replace(/\S+@\S+/g, "[address]");
  const rc = e.responseCode ?? 0;
  const messageLevel = e.command === "RCPT TO" || e.command === "DATA" || e.code === "EMESSAGE";
  if (rc >= 500 && messageLevel) return keep(new PermanentDeliveryError(message));
  if (e.code === "EENVELOPE" && e.command === "API") return keep(new PermanentDeliveryError(message));
  if ((e.code && channelCodes.has(e.code)) || (e.command && channelCommands.has(e.command)) || e.command?.startsWith("AUTH")) {
    return keep(new ChannelUnavailableError(message));
  }
  return err instanceof Error ? err : new Error(message);
}
