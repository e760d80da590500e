import type { Request, Response } from "express";
import type { AppContext } from "../context.js";
import { clearSealedCookie, readSealedCookie, setSealedCookie, type SealedCookie } from "./sealed-cookie.js";

/**
 * Between "send me a code" and "enter the code" the browser keeps the address, sealed, in a
 * cookie scoped to the e-mail sign-in pages: nothing about the attempt is kept on the server
 * beyond the hashed code, and the code page is the same whatever the address.
 */
export const pendingEmailCookie: SealedCookie = {
  name: "rd_email",
  path: "/sign-in/email",
  purpose: "pending-email",
  // Longer than a code lives, so an expired code is reported as expired, not as a lost form.
  ttlMs: 60 * 60_000,
};

export function setPendingEmail(ctx: AppContext, res: Response, orgId: string, email: string): void {
  setSealedCookie(ctx, res, pendingEmailCookie, orgId, email);
}

export function pendingEmail(req: Request, ctx: AppContext): string | undefined {
  return readSealedCookie(ctx, req, pendingEmailCookie);
}

export function clearPendingEmail(ctx: AppContext, res: Response): void {
  clearSealedCookie(ctx, res, pendingEmailCookie);
}
