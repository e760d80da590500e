import type { Request, RequestHandler } from "express";
import { ipKeyGenerator } from "express-rate-limit";
import type { AppContext } from "../context.js";
import { recordAudit } from "../platform/audit.js";
import { RateLimitedError } from "../platform/errors.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { hashReceiptCode, normalizeBase32 } from "../platform/codes.js";
import { emailHash, identifierPseudonym } from "./email-address.js";
import { pendingEmail } from "./pending-email.js";
import { heldResetToken } from "./reset-link-cookie.js";
import { identityActions } from "./sign-in-audit.js";

const MINUTE = 60_000;

/** IPv6 clients are counted per /56, so one household cannot rotate through its addresses. */
const byIp = (req: Request) => `ip:${ipKeyGenerator(clientIp(req), 56)}`;

/** The keyed hash of the address in the form (not counted when there is none to count). */
const byFormEmail = (ctx: AppContext) => (req: Request) => {
  const value = (req.body as Record<string, unknown> | undefined)?.email;
  return typeof value === "string" && value.trim() ? `email:${emailHash(ctx.keys, value)}` : undefined;
};

/** The address this browser asked a code for (codes are checked against it). */
const byPendingEmail = (ctx: AppContext) => (req: Request) => {
  const email = pendingEmail(req, ctx);
  return email ? `email:${emailHash(ctx.keys, email)}` : undefined;
};

const byReceiptCode = (ctx: AppContext) => (req: Request) => {
  const value = (req.body as Record<string, unknown> | undefined)?.code;
  if (typeof value !== "string" || !value.trim() || value.length > 64) return undefined;
  return `code:${ctx.keys.keyedHash("receipt-limit", hashReceiptCode(normalizeBase32(value)))}`;
};

/** The reset link being used (held in its sealed cookie). */
const byResetToken = (ctx: AppContext) => (req: Request) => {
  const token = heldResetToken(req, ctx);
  return token ? `token:${ctx.keys.keyedHash("reset-limit", token)}` : undefined;
};

interface Spec {
  name: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string | undefined;
}

/**
 * A database-backed limiter whose first refusal in a window is written to the audit log as a
 * lockout (later refusals in the same window are not, so a flood cannot flood the audit log).
 */
function auditedLimiter(ctx: AppContext, method: string, spec: Spec): RequestHandler {
  const inner = limiter(ctx, spec);
  return (req, res, next) => {
    void inner(req, res, (err?: unknown) => {
      if (!(err instanceof RateLimitedError)) return next(err as Error | undefined);
      const info = (req as Request & { rateLimit?: { limit: number; used: number; key: string } }).rateLimit;
      if (!info || info.used !== info.limit + 1) return next(err);
      recordAudit(ctx, {
        orgId: req.org?.id ?? null,
        actor: { type: "anonymous" },
        action: identityActions.throttled,
        details: {
          method,
          limit: spec.name,
          scope: info.key.split(":")[0],
          ...(info.key.startsWith("email:") ? { identifier: identifierPseudonym(info.key.slice(6)) } : {}),
        },
        ip: req.ip,
      }).then(
        () => next(err),
        (auditErr: unknown) => next(auditErr),
      );
    });
  };
}

/**
 * Every limit on the sign-in pages, per client IP and per identifier (the address, or the code).
 * Windows are short enough that a person who got it wrong can come back soon; the per-code
 * death after 5 wrong tries is what makes guessing e-mail codes hopeless.
 */
export function identityLimits(ctx: AppContext) {
  const make = (method: string, name: string, windowMin: number, perIp: number, perId: number, key: (req: Request) => string | undefined) => [
    auditedLimiter(ctx, method, { name: `${name}:ip`, windowMs: windowMin * MINUTE, limit: perIp, key: byIp }),
    auditedLimiter(ctx, method, { name: `${name}:id`, windowMs: windowMin * MINUTE, limit: perId, key }),
  ];
  return {
    /** "Send me a code": mail to one address at most 5 times an hour. */
    codeRequest: make("email", "identity:code-request", 60, 30, 5, byFormEmail(ctx)),
    /** Code checks: 10 per address per 15 minutes (each code dies after 5 wrong tries anyway). */
    codeCheck: make("email", "identity:code-check", 15, 30, 10, byPendingEmail(ctx)),
    passwordSignIn: make("account", "identity:password", 15, 30, 10, byFormEmail(ctx)),
    resetRequest: make("password_reset", "identity:reset-request", 60, 20, 3, byFormEmail(ctx)),
    resetSubmit: make("password_reset", "identity:reset-submit", 15, 20, 10, byResetToken(ctx)),
    receiptCheck: make("receipt", "identity:receipt", 15, 20, 10, byReceiptCode(ctx)),
  };
}
