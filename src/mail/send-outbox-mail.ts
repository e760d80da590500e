import type { AppContext } from "../context.js";
import { PermanentDeliveryError, type OutboxRow } from "../platform/outbox.js";
import { renderMail } from "./render.js";
import type { MailTemplates, TemplateName } from "./templates.js";

/** The outbox's e-mail deliverer: renders at send time, so a template fix reaches queued mail. */
export async function sendOutboxMail(ctx: AppContext, row: OutboxRow, from: string): Promise<void> {
  const rendered = await renderMail(
    row.template as TemplateName,
    row.locale,
    row.payload as unknown as MailTemplates[TemplateName],
  );
  try {
    await ctx.mail.send({ from, to: row.recipient, messageId: row.messageId, ...rendered });
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    // 5xx means the server refused for good (unknown mailbox, policy); retrying cannot help.
    if (code && code >= 500) throw Object.assign(new PermanentDeliveryError(`SMTP ${code}`), { responseCode: code });
    throw err;
  }
}
