/**
 * The few error classes the app throws on purpose. Each carries an HTTP status and a stable
 * code; the error middleware turns them into a localized page or RFC 9457 problem+json.
 * Anything else is an internal error and is shown as a generic page without details.
 */
export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
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
  constructor(code = "conflict", message = code) {
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
