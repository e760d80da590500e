import type { Request, Response } from "express";
import type { AppContext } from "../context.js";
import { secureCookies } from "../config.js";

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

export function setSealedCookie(ctx: AppContext, res: Response, cookie: SealedCookie, orgId: string, value: string): void {
  const envelope: Envelope = { v: value, o: orgId, x: ctx.clock.now().getTime() + cookie.ttlMs };
  res.cookie(cookie.name, ctx.keys.sealWithMaster(JSON.stringify(envelope), cookie.purpose), { ...options(ctx, cookie), maxAge: cookie.ttlMs });
}

/** The same cookie as a route table's answer sets it (route-table.ts CookieChange). */
export function sealedCookieChange(ctx: AppContext, cookie: SealedCookie, orgId: string, value: string | undefined) {
  if (value === undefined) return { name: cookie.name, options: options(ctx, cookie) };
  const envelope: Envelope = { v: value, o: orgId, x: ctx.clock.now().getTime() + cookie.ttlMs };
  return { name: cookie.name, value: ctx.keys.sealWithMaster(JSON.stringify(envelope), cookie.purpose), options: { ...options(ctx, cookie), maxAge: cookie.ttlMs } };
}

/** The value, if the cookie is genuine, unexpired and for this request's organization. */
export function readSealedCookie(ctx: AppContext, req: Request, cookie: SealedCookie): string | undefined {
  return readSealedValue(ctx, req.cookies ?? {}, req.org.id, cookie);
}

export function readSealedValue(ctx: AppContext, cookies: Record<string, string>, orgId: string, cookie: SealedCookie): string | undefined {
  const raw = cookies[cookie.name] as string | undefined;
  if (!raw || raw.length > 2048) return undefined;
  try {
    const envelope = JSON.parse(ctx.keys.openWithMaster(raw, cookie.purpose)) as Envelope;
    if (envelope.o !== orgId || !(envelope.x > ctx.clock.now().getTime()) || typeof envelope.v !== "string") return undefined;
    return envelope.v;
  } catch {
    return undefined;
  }
}

export function clearSealedCookie(ctx: AppContext, res: Response, cookie: SealedCookie): void {
  res.clearCookie(cookie.name, options(ctx, cookie));
}
