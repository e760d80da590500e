import type { AppContext } from "../context.js";

/**
 * Links that e-mails carry. Each leads to a page that requires signing in; none carries a token
 * or a download (BASE_URL is the public address of the portal).
 */
export function requesterRequestUrl(ctx: AppContext, reference: string): string {
  return `${ctx.config.BASE_URL}/requests/${encodeURIComponent(reference)}`;
}

export function staffRequestUrl(ctx: AppContext, requestId: string): string {
  return `${ctx.config.BASE_URL}/staff/requests/${encodeURIComponent(requestId)}`;
}

export function staffQueueUrl(ctx: AppContext): string {
  return `${ctx.config.BASE_URL}/staff/requests`;
}
