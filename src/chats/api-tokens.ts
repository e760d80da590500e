import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { RequestHandler } from "express";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { apiTokens, staffUsers } from "../db/schema/index.js";
import { ForbiddenError, UnauthenticatedError } from "../platform/errors.js";
import { sha256Hex } from "../platform/crypto.js";
import type { Actor } from "../platform/audit.js";

/**
 * Per-organization API tokens for the chat platform. A token is `rdk_` + 256 random bits, shown
 * once; only its SHA-256 is stored (the token is high-entropy, so an unkeyed hash is enough and
 * lets the lookup use the unique index). Revoked tokens stop working at once.
 */
export const apiScopes = ["ingest"] as const;
export type ApiScope = (typeof apiScopes)[number];

export const TOKEN_PATTERN = /^rdk_[A-Za-z0-9_-]{43}$/;

export interface ApiPrincipal {
  tokenId: string;
  orgId: string;
  scopes: string[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireApiToken on /api/v1 routes. */
      apiToken?: ApiPrincipal;
    }
  }
}

export const hashApiToken = (token: string) => sha256Hex(`api-token:${token}`);

/** The audit actor for calls made with a token. */
export const apiActor = (p: ApiPrincipal): Actor => ({ type: "api", id: p.tokenId, role: p.scopes.join(" ") });

const LAST_USED_GRANULARITY_MS = 60_000;

/** The token's organization and scopes, or undefined for a malformed, unknown or revoked token. */
export async function authenticateApiToken(ctx: AppContext, token: string): Promise<ApiPrincipal | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const [row] = await ctx.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hashApiToken(token)));
  if (!row || row.revokedAt) return undefined;
  const now = ctx.clock.now();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    // At most one write a minute per token, not one per call.
    await ctx.db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(apiTokens.id, row.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now.getTime() - LAST_USED_GRANULARITY_MS)))));
  }
  return { tokenId: row.id, orgId: row.orgId, scopes: row.scopes };
}

/** Bearer authentication for API routes: 401 for a missing/wrong/revoked token, 403 without the scope. */
export function requireApiToken(ctx: AppContext, scope: ApiScope): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
    const principal = match ? await authenticateApiToken(ctx, match[1]!) : undefined;
    if (!principal) {
      res.set("WWW-Authenticate", `Bearer realm="rightsdesk"${match ? ', error="invalid_token"' : ""}`);
      return next(new UnauthenticatedError());
    }
    if (!principal.scopes.includes(scope)) {
      res.set("WWW-Authenticate", `Bearer realm="rightsdesk", error="insufficient_scope", scope="${scope}"`);
      return next(new ForbiddenError("scope"));
    }
    req.apiToken = principal;
    next();
  };
}

/**
 * Only an organization's own admins manage its tokens (and the system actor, for CLI tools).
 * Checked against the database, so a disabled or moved account cannot act on a stale session.
 */
export async function assertTokenAdmin(db: Executor, actor: Actor, orgId: string): Promise<void> {
  if (actor.type === "system") return;
  if (actor.type !== "staff" || !actor.id) throw new ForbiddenError("api_tokens");
  const [staff] = await db.select().from(staffUsers).where(eq(staffUsers.id, actor.id));
  if (!staff || staff.orgId !== orgId || staff.role !== "admin" || staff.disabledAt) throw new ForbiddenError("api_tokens");
}

/** Tokens of an organization for the admin page: never the hash. */
export async function listApiTokens(db: Executor, orgId: string) {
  return db
    .select({
      id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.orgId, orgId))
    .orderBy(apiTokens.createdAt);
}
