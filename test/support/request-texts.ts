import { eq } from "drizzle-orm";
import type { AppContext } from "../../src/context.js";
import { requests } from "../../src/db/schema/index.js";
import {
  insertRequestMessage, keyForNewRequest, openRequest, openThread, sealDecisionReason, sealDetails, sealExtensionReason, splitDetails,
  type OpenedRequest, type ThreadMessage,
} from "../../src/requests/request-texts.js";

/** Request texts are sealed (issue 18): tests read and write them through the same code as the portal. */
async function requestRow(ctx: AppContext, id: string) {
  const [row] = await ctx.db.select().from(requests).where(eq(requests.id, id));
  if (!row) throw new Error(`no request ${id}`);
  return row;
}

export async function threadOf(ctx: AppContext, requestId: string): Promise<ThreadMessage[]> {
  return openThread(ctx.db, ctx.keys, await requestRow(ctx, requestId));
}

export async function openedRequest(ctx: AppContext, requestId: string): Promise<OpenedRequest> {
  return openRequest(ctx.db, ctx.keys, await requestRow(ctx, requestId));
}

export async function addMessages(ctx: AppContext, rows: { requestId: string; authorType: "requester" | "staff"; authorId?: string | null; body: string; createdAt: Date }[]): Promise<void> {
  for (const m of rows) await insertRequestMessage(ctx.db, ctx.keys, await requestRow(ctx, m.requestId), { authorType: m.authorType, authorId: m.authorId ?? null, body: m.body, createdAt: m.createdAt });
}

/** Column values for a request row's sealed texts (a new key: the subject's, else a detached one). */
export async function sealedTexts(
  ctx: AppContext,
  owner: { orgId: string; subjectId: string | null },
  texts: { details?: Record<string, unknown>; decisionReason?: string | null; extensionReason?: string | null },
) {
  const key = await keyForNewRequest(ctx.db, ctx.keys, owner.orgId, owner.subjectId);
  const { markers, given } = splitDetails(texts.details ?? {});
  return {
    subjectKeyId: key.id, details: markers, detailsEnc: sealDetails(key, given),
    decisionReasonEnc: sealDecisionReason(key, texts.decisionReason ?? null), extensionReasonEnc: sealExtensionReason(key, texts.extensionReason ?? null),
  };
}
