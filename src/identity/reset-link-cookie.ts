import type { Request, Response } from "express";
import type { AppContext } from "../context.js";
import { clearSealedCookie, readSealedCookie, setSealedCookie, type SealedCookie } from "./sealed-cookie.js";
import { PASSWORD_RESET_TTL_MS } from "./request-password-reset.js";

/**
 * A reset link (/password-reset/<token>) moves its token into this sealed cookie and redirects
 * to /password-reset/new, so the token leaves the address bar at once and never appears in a
 * form's URL, a Referer header or a request log line (as Django's reset view does).
 */
export const resetLinkCookie: SealedCookie = {
  name: "rd_reset",
  path: "/password-reset",
  purpose: "password-reset-link",
  ttlMs: PASSWORD_RESET_TTL_MS,
};

export function holdResetToken(ctx: AppContext, res: Response, orgId: string, token: string): void {
  setSealedCookie(ctx, res, resetLinkCookie, orgId, token);
}

export function heldResetToken(req: Request, ctx: AppContext): string | undefined {
  return readSealedCookie(ctx, req, resetLinkCookie);
}

export function dropResetToken(ctx: AppContext, res: Response): void {
  clearSealedCookie(ctx, res, resetLinkCookie);
}
