/** Where a requester lands after signing in when no (safe) destination was asked for. */
export const DEFAULT_AFTER_SIGN_IN = "/requests";

const BASE = "http://rightsdesk.invalid";
/** Percent-decoding rounds before a value counts as hostile (a genuine path needs one at most). */
const MAX_DECODE_ROUNDS = 4;
/** Characters some reader may take for a slash: the backslash and its Unicode look-alikes. */
const SLASH_LIKE = /[\\\u2044\u2215\u29f8\ufe68\uff0f\uff3c]/g;
// C0 and C1 controls, DEL, and the invisible characters a URL parser drops or a reader skips.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]/;

/**
 * A post-sign-in destination that can only be a path on this site. It is normalized first and
 * the normal form is checked and answered: the path part is percent-decoded until it no longer
 * changes, slash look-alikes become slashes and dot segments are resolved; a path that then
 * starts with two slashes is another host, and the default is answered instead. So
 * "//evil.example", "/\\evil.example", "/.//evil.example", "/%2f%2fevil.example" (or encoded
 * twice), "https://evil.example", "javascript:…" and anything with control characters become the
 * default; slashes doubled further on collapse into one. Open redirects help phishing.
 */
export function safeNext(value: unknown, fallback = DEFAULT_AFTER_SIGN_IN): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) return fallback;
  if (!value.startsWith("/") || UNSAFE.test(value)) return fallback;
  const split = value.search(/[?#]/);
  const rawPath = split < 0 ? value : value.slice(0, split);
  const rest = split < 0 ? "" : value.slice(split);
  const path = normalizePath(rawPath);
  if (path === undefined || rest.includes("\\")) return fallback;
  let url: URL;
  try {
    url = new URL(`${path}${rest}`, BASE);
  } catch {
    return fallback;
  }
  // Whatever the parser answers must still be one path on this origin.
  if (url.origin !== BASE || !url.pathname.startsWith("/") || url.pathname.startsWith("//")) return fallback;
  // Never bounce back into the sign-in pages themselves.
  if (/^\/(sign-in|sign-out|password-reset)(\/|$)/.test(url.pathname)) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The path decoded to a fixed point, dot segments resolved, single slashes; undefined when it is no path here. */
function normalizePath(raw: string): string | undefined {
  let path = raw;
  for (let round = 0; ; round++) {
    const decoded = percentDecode(path);
    if (decoded === path) break;
    if (round === MAX_DECODE_ROUNDS) return undefined;
    path = decoded;
  }
  if (UNSAFE.test(path)) return undefined;
  // Decoded, "?", "#", "%" and spaces are part of the path: encoded again, the parser keeps them.
  const slashed = path.replace(SLASH_LIKE, "/").replace(/[%?# ]/g, (c) => encodeURIComponent(c));
  // Dot segments resolved under a host of our own, so no path can turn into a host name.
  const resolved = new URL(`http://path.invalid${slashed}`).pathname;
  // Two slashes first is a host name ("//evil.example"), however it was spelled: not ours.
  if (resolved.startsWith("//")) return undefined;
  return resolved.replace(/\/{2,}/g, "/");
}

/** One round of percent-decoding; a run of escapes that is not UTF-8 stays as it is. */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** "?next=…" to carry a destination through the sign-in pages, or "" when there is none. */
export function nextQuery(next: string | undefined): string {
  return next && next !== DEFAULT_AFTER_SIGN_IN ? `?next=${encodeURIComponent(next)}` : "";
}
