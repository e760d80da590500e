import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { isLocale } from "../platform/i18n.js";
import { enqueueOutbox } from "../platform/outbox.js";
import { keyOfSubject } from "../platform/subject-keys.js";
import type { MailTemplates, TemplateName } from "./templates.js";

export interface QueueMailInput<K extends TemplateName> {
  orgId: string | null;
  /** The recipient's address: the only personal data an e-mail may carry. */
  to: string;
  template: K;
  /** The recipient's language; anything the portal does not offer becomes English. */
  locale: string;
  data: MailTemplates[K];
  /** Links the mail to a request, so a permanent failure shows on that request's page. */
  requestId?: string | null;
  /** The same key is never queued twice (e.g. "decision:<requestId>"). */
  dedupeKey?: string;
  /**
   * The requester the mail is for: it is sealed under their data key, so erasing them shreds it
   * wherever a copy lives. Without one (staff, the final notice of an erasure) it is sealed under
   * a key of the outbox row's own.
   */
  subjectId?: string | null;
}

/**
 * Queues an e-mail in the caller's transaction (it is sent only if that transaction commits);
 * the outbox delivers it with retries. Returns false when the dedupeKey was queued before.
 */
export async function queueMail<K extends TemplateName>(tx: Executor, ctx: AppContext, input: QueueMailInput<K>): Promise<boolean> {
  const to = input.to.trim();
  if (!/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(to)) throw new TypeError("queueMail: recipient is not a single e-mail address");
  assertSafePayload(input.template, input.data as unknown as Record<string, unknown>);
  const subjectKey = input.subjectId ? await keyOfSubject(tx, ctx.keys, input.subjectId) : undefined;
  if (input.subjectId && !subjectKey) {
    // Erased meanwhile (or never given a key): there is no one to write to under their key.
    ctx.logger.info({ template: input.template }, "mail not queued: the requester's key is gone");
    return false;
  }
  return enqueueOutbox(
    tx,
    ctx.keys,
    {
      orgId: input.orgId,
      kind: "email",
      recipient: to,
      template: input.template,
      locale: isLocale(input.locale) ? input.locale : "en",
      payload: { ...(input.data as unknown as Record<string, unknown>) },
      requestId: input.requestId ?? null,
      dedupeKey: input.dedupeKey,
      subjectKey,
    },
    ctx.clock.now(),
  );
}

const MAX_VALUE_LENGTH = 300;

/**
 * A last guard for "no chat content, no personal data" (the template types are the first): mail
 * data is flat, short strings and numbers, and never holds an e-mail address (the recipient's
 * own goes in `to`, not in the body).
 */
function assertSafePayload(template: string, data: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (typeof value === "number" && Number.isFinite(value)) continue;
    if (typeof value !== "string") throw new TypeError(`queueMail(${template}): ${key} must be a string or a number`);
    if (value.length > MAX_VALUE_LENGTH) throw new TypeError(`queueMail(${template}): ${key} is too long for an e-mail`);
    if (/[^\s@/:]+@[^\s@]+\.[^\s@]+/.test(value.replace(/^[a-z]+:\/\/[^/]*@/i, ""))) {
      throw new TypeError(`queueMail(${template}): ${key} looks like an e-mail address`);
    }
  }
}
