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

/**
 * The portal's address for an organization served on host names of its own: BASE_URL with the
 * host name replaced by the organization's first one (scheme and port kept), unless BASE_URL is
 * already one of them. An invitation must open on its own organization's host to work at all.
 */
export function organizationBaseUrl(ctx: AppContext, hostnames: readonly string[]): string {
  const base = new URL(ctx.config.BASE_URL);
  if (hostnames.length === 0 || hostnames.includes(base.hostname)) return ctx.config.BASE_URL;
  base.hostname = hostnames[0]!;
  return base.toString().replace(/\/$/, "");
}

/** The invitation link: /staff/invite/<token> moves the token out of the address bar at once. */
export function staffInviteUrl(ctx: AppContext, token: string, hostnames: readonly string[] = []): string {
  return `${organizationBaseUrl(ctx, hostnames)}/staff/invite/${encodeURIComponent(token)}`;
}
