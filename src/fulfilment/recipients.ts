/**
 * Recipients (Art. 19): the other systems and organizations that hold the data — the chat
 * platform vendor, an e-mail support inbox. Admins keep the list; every erasure, rectification and
 * restriction creates a task per active recipient (recipient-tasks.ts).
 */
import { and, asc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { recipients } from "../db/schema/index.js";
import { assertWebhookTarget, createRecipient, WEBHOOK_SECRET_PURPOSE, type Recipient } from "./webhooks.js";
import { appendAudit } from "../platform/audit.js";
import { randomToken } from "../platform/crypto.js";
import { NotFoundError } from "../platform/errors.js";
import { parseInput } from "../platform/http/validate.js";
import type { StaffActor } from "../platform/policy.js";
import { recipientSchema } from "./schema.js";

export type RecipientView = Pick<Recipient, "id" | "name" | "description" | "webhookUrl" | "active" | "createdAt">;

const view = (r: Recipient): RecipientView => ({ id: r.id, name: r.name, description: r.description, webhookUrl: r.webhookUrl, active: r.active, createdAt: r.createdAt });
const origin = (url: string | null) => (url ? new URL(url).origin : null);

export async function listRecipients(ctx: AppContext, orgId: string): Promise<RecipientView[]> {
  const rows = await ctx.db.select().from(recipients).where(eq(recipients.orgId, orgId)).orderBy(asc(recipients.name));
  return rows.map(view);
}

export async function recipientOf(ctx: AppContext, orgId: string, id: string): Promise<RecipientView> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError("recipient");
  const [row] = await ctx.db.select().from(recipients).where(and(eq(recipients.id, id), eq(recipients.orgId, orgId)));
  if (!row) throw new NotFoundError("recipient");
  return view(row);
}

/** Adds a recipient; with a webhook, its signing secret is returned once and stored only sealed. */
export async function addRecipient(ctx: AppContext, actor: StaffActor, input: unknown): Promise<{ recipient: RecipientView; secret: string | null }> {
  const v = parseInput(recipientSchema, input);
  return ctx.db.transaction(async (tx) => {
    const { recipient, secret } = await createRecipient(ctx, tx, {
      orgId: actor.orgId, name: v.name, description: v.description || null, webhookUrl: v.webhookUrl || null, actor,
    });
    return { recipient: view(recipient), secret };
  });
}

/** Edits a recipient. A webhook added later gets a fresh secret (shown once); a removed one loses it. */
export async function updateRecipient(ctx: AppContext, actor: StaffActor, id: string, input: unknown): Promise<{ recipient: RecipientView; secret: string | null }> {
  const v = parseInput(recipientSchema, input);
  assertWebhookTarget(ctx, v.webhookUrl);
  return ctx.db.transaction(async (tx) => {
    const [current] = await tx.select().from(recipients).where(and(eq(recipients.id, id), eq(recipients.orgId, actor.orgId))).for("update");
    if (!current) throw new NotFoundError("recipient");
    const webhookUrl = v.webhookUrl || null;
    const secret = webhookUrl && !current.webhookSecretEnc ? `whsec_${randomToken(32)}` : null;
    const [updated] = await tx.update(recipients).set({
      name: v.name, description: v.description || null, webhookUrl,
      webhookSecretEnc: !webhookUrl ? null : secret ? ctx.keys.sealWithMaster(secret, WEBHOOK_SECRET_PURPOSE) : current.webhookSecretEnc,
    }).where(eq(recipients.id, current.id)).returning();
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "recipient.updated", target: { type: "recipient", id: current.id },
      details: { name: v.name, webhook: origin(webhookUrl), previousWebhook: origin(current.webhookUrl), newSecret: !!secret },
    });
    return { recipient: view(updated!), secret };
  });
}

/** A deactivated recipient gets no new tasks or webhooks; its past tasks stay on their requests. */
export async function deactivateRecipient(ctx: AppContext, actor: StaffActor, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.update(recipients).set({ active: false }).where(and(eq(recipients.id, id), eq(recipients.orgId, actor.orgId))).returning();
    if (!row) throw new NotFoundError("recipient");
    await appendAudit(tx, ctx, { orgId: actor.orgId, actor, action: "recipient.deactivated", target: { type: "recipient", id: row.id }, details: { name: row.name } });
  });
}
