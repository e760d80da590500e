/**
 * The few error classes the app throws on purpose. Each carries an HTTP status and a stable
 * code; the error middleware turns them into a localized page or RFC 9457 problem+json.
 * Anything else is an internal error and is shown as a generic page without details.
 */
export type FieldErrors = Record<string, string>;

/**
 * Every code an error page or a problem+json can carry: a closed set, each with a title and a
 * message in platform/locales/<lang>.json (test/platform/error-codes.test.ts fails on one without).
 */
export const errorCodes = [
  // the error classes below
  "not_found", "forbidden", "unauthenticated", "validation", "invalid_transition", "conflict", "rate_limited", "unavailable",
  // the request itself, before any route
  "internal", "too_large", "bad_request", "not_set_up", "unknown_host",
  // conflicts a use case refuses with
  "stale_status", "request_closed", "already_extended", "not_awaiting_confirmation", "already_confirmed",
  "not_awaiting_fulfilment", "nothing_to_carry_out", "export_not_failed", "complaint_already_answered",
  "content_erased", "totp_already_enrolled", "recovery_codes_not_due", "recovery_codes_not_shown",
  "review_pending", "review_not_open", "decision_already_reopened",
  // refusals of the chat platform's API
  "conversation_erased", "subject_erased", "receipt_code_taken", "email_taken", "conversation_not_found",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(what = "resource") {
    super(404, "not_found", `${what} not found`);
  }
}

export class ForbiddenError extends AppError {
  constructor(reason = "forbidden") {
    super(403, "forbidden", reason);
  }
}

export class UnauthenticatedError extends AppError {
  constructor() {
    super(401, "unauthenticated", "sign-in required");
  }
}

/** Field errors hold i18n keys (e.g. "errors.required"), keyed by field path ("conversationIds.0"). */
export class ValidationError extends AppError {
  constructor(readonly fieldErrors: FieldErrors) {
    super(422, "validation", "invalid input");
  }
}

export class InvalidTransitionError extends AppError {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(409, "invalid_transition", `cannot move from ${from} to ${to}`);
  }
}

export class ConflictError extends AppError {
  constructor(code: ErrorCode = "conflict", message: string = code) {
    super(409, code, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, "rate_limited", "too many attempts");
  }
}

/** The database cannot be reached right now: 503 with Retry-After, a "temporarily unavailable" page. */
export class DatabaseUnavailableError extends AppError {
  readonly retryAfterSeconds = 30;
  constructor() {
    super(503, "unavailable", "database unavailable");
  }
}
