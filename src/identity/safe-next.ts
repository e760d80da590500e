/** Where a requester lands after signing in when no (safe) destination was asked for. */
export const DEFAULT_AFTER_SIGN_IN = "/requests";

const BASE = "http://rightsdesk.invalid";

/**
 * A post-sign-in destination that can only be a path on this site: "/requests/RD-1?x" stays,
 * while "//evil.example", "/\\evil.example", "https://evil.example", "javascript:…" and
 * anything with control characters become the default. Open redirects help phishing.
 */
export function safeNext(value: unknown, fallback = DEFAULT_AFTER_SIGN_IN): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Never bounce back into the sign-in pages themselves.
  if (/^\/(sign-in|sign-out|password-reset)(\/|$|\?)/.test(url.pathname)) return fallback;
  return path;
}

/** "?next=…" to carry a destination through the sign-in pages, or "" when there is none. */
export function nextQuery(next: string | undefined): string {
  return next && next !== DEFAULT_AFTER_SIGN_IN ? `?next=${encodeURIComponent(next)}` : "";
}
