import type { Response } from "express";
import type { AppContext } from "../context.js";
import { secureCookies } from "../config.js";
import type { CookieChange } from "../platform/http/route-table.js";

/**
 * Short-lived state kept by the browser between two sign-in pages, sealed under the master key
 * (AES-256-GCM): the browser can neither read nor alter it, and it is bound to the organization
 * and an expiry. httpOnly, SameSite=Lax, Secure behind TLS, scoped to the pages that need it.
 */
export interface SealedCookie {
  name: string;
  path: string;
  purpose: string;
  ttlMs: number;
}

interface Envelope {
  v: string;
  o: string;
  x: number;
}

function options(ctx: AppContext, cookie: SealedCookie) {
  return { httpOnly: true, sameSite: "lax", secure: secureCookies(ctx.config), path: cookie.path } as const;
}

/** The cookie to set, as a route table's answer carries it. */
export function sealedCookie(ctx: AppContext, cookie: SealedCookie, orgId: string, value: string): CookieChange {
  const envelope: Envelope = { v: value, o: orgId, x: ctx.clock.now().getTime() + cookie.ttlMs };
  return { name: cookie.name, value: ctx.keys.sealWithMaster(JSON.stringify(envelope), cookie.purpose), options: { ...options(ctx, cookie), maxAge: cookie.ttlMs } };
}

/** The cookie cleared, as a route table's answer carries it. */
export function clearedSealedCookie(ctx: AppContext, cookie: SealedCookie): CookieChange {
  return { name: cookie.name, options: options(ctx, cookie) };
}

export function setSealedCookie(ctx: AppContext, res: Response, cookie: SealedCookie, orgId: string, value: string): void {
  const c = sealedCookie(ctx, cookie, orgId, value);
  res.cookie(c.name, c.value, c.options);
}

/** What a cookie is read from: an Express request or a route table's call. */
interface CookieSource { cookies?: Record<string, string>; org: { id: string } }

/** The value, if the cookie is genuine, unexpired and for this request's organization. */
export function readSealedCookie(ctx: AppContext, req: CookieSource, cookie: SealedCookie): string | undefined {
  const raw = req.cookies?.[cookie.name] as string | undefined;
  if (!raw || raw.length > 2048) return undefined;
  try {
    const envelope = JSON.parse(ctx.keys.openWithMaster(raw, cookie.purpose)) as Envelope;
    if (envelope.o !== req.org.id || !(envelope.x > ctx.clock.now().getTime()) || typeof envelope.v !== "string") return undefined;
    return envelope.v;
  } catch {
    return undefined;
  }
}

export function clearSealedCookie(ctx: AppContext, res: Response, cookie: SealedCookie): void {
  res.clearCookie(cookie.name, options(ctx, cookie));
}
