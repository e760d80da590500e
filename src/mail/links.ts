import type { AppContext } from "../context.js";

/**
 * Links that e-mails carry. Each leads to a page that requires signing in; none carries a download
 * (BASE_URL is the public address of the portal). The one exception that carries a token is the
 * staff invitation, whose single-use token is the point of the link. Staff paths match
 * staff/routes.ts (test/staff/mail-links.test.ts checks them against the staff route table).
 */
export function requesterRequestUrl(ctx: AppContext, reference: string): string {
  return `${ctx.config.BASE_URL}/requests/${encodeURIComponent(reference)}`;
}

export function staffRequestUrl(ctx: AppContext, requestId: string): string {
  return `${ctx.config.BASE_URL}/staff/requests/${encodeURIComponent(requestId)}`;
}

export function staffQueueUrl(ctx: AppContext): string {
  return `${ctx.config.BASE_URL}/staff`;
}

/** The invitation link: /staff/invite/<token> moves the token out of the address bar at once. */
export function staffInviteUrl(ctx: AppContext, token: string): string {
  return `${ctx.config.BASE_URL}/staff/invite/${encodeURIComponent(token)}`;
}
