/**
 * safeNext normalizes a post-sign-in destination first and checks what it normalized, so no
 * spelling of "another host" gets through: a browser resolving the answer on this origin stays
 * on this origin. Property tests over hostile spellings and over genuine paths.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DEFAULT_AFTER_SIGN_IN, safeNext } from "../../src/identity/safe-next.js";

const ORIGIN = "https://portal.example";

/** Where a browser goes with this Location header, from a page on this origin. */
const resolved = (location: string) => new URL(location, `${ORIGIN}/sign-in/password`);

/** Pieces that browsers, proxies or servers may read as a slash, a dot or nothing at all. */
const slashes = ["/", "\\", "%2f", "%2F", "%5c", "%5C", "%252f", "%255c", "%25252F", "\u2215", "\uff0f", "\uff3c", "\u2044", "\ufe68"];
const dots = [".", "%2e", "%2E", "%252e", "..", "%2e%2e", ".%2e"];
const invisible = ["\t", "\n", "\r", "%09", "%0a", "%0d", "%00", "\u0000", " ", "%20", "\u00a0", "\u200b"];
const hosts = ["evil.example", "evil.example:443", "user@evil.example", "evil.example%2f", "%65vil.example", "evil%2eexample", "evil。example"];

/** Whole dot segments, which resolve away and may leave two slashes side by side. */
const segments = ["/./", "/../", "./", "../", "/.", "x/..", "%2e/", "/%2e%2e/", "/%2E/", "a/%2e%2e/", "/.%2e/"];
const piece = fc.oneof(
  { arbitrary: fc.constantFrom(...slashes), weight: 3 },
  { arbitrary: fc.constantFrom(...segments), weight: 2 },
  { arbitrary: fc.constantFrom(...dots), weight: 1 },
  { arbitrary: fc.constantFrom(...invisible), weight: 1 },
);
const schemes = fc.constantFrom("", "https:", "http:", "javascript:", "HTTPS:", "//", "/", "\\\\", "/%2f", "%2f%2f");
/** "/", then anything a hostile link may put before a host name, the host, and a path after it. */
const hostile = fc
  .tuple(schemes, fc.array(piece, { minLength: 0, maxLength: 6 }), fc.constantFrom(...hosts), fc.constantFrom("", "/", "/requests", "/%2e%2e/x", "?next=/x", "#frag", "\\x"))
  .map(([scheme, pieces, host, tail]) => `${scheme}${pieces.join("")}${host}${tail}`);

function expectSameOrigin(input: string): void {
  const out = safeNext(input);
  const url = resolved(out);
  expect(url.origin, `${JSON.stringify(input)} → ${JSON.stringify(out)}`).to.equal(ORIGIN);
  expect(out, JSON.stringify(input)).to.match(/^\/(?![/\\])/);
  // eslint-disable-next-line no-control-regex
  expect(out, JSON.stringify(input)).to.not.match(/[\u0000-\u001f\u007f\\]/);
  // What was answered is already normal: checking it again changes nothing.
  expect(safeNext(out), JSON.stringify(input)).to.equal(out);
}

describe("identity: safeNext normalizes, then checks", () => {
  it("the findings: dot segments and encodings that became another host", () => {
    for (const bad of ["/.//evil.example", "/a/..//evil.example", "/%2e//evil.example", "/..//evil.example/x", "/.///evil.example", "/%2f%2fevil.example", "/%5c%5cevil.example", "/%252f%252fevil.example", "/\t/evil.example", "/%09/evil.example"]) {
      expectSameOrigin(bad);
      expect(resolved(safeNext(bad)).host, bad).to.equal("portal.example");
    }
  });

  it("answers a path on this origin for any hostile spelling of another host", () => {
    fc.assert(fc.property(hostile, (input) => expectSameOrigin(input)), { numRuns: 5000 });
  });

  it("answers a path on this origin for any string at all", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), (input) => expectSameOrigin(input)), { numRuns: 5000 });
    fc.assert(fc.property(fc.array(fc.oneof(piece, fc.constantFrom(...hosts), fc.string({ maxLength: 4 })), { maxLength: 10 }), (parts) => expectSameOrigin(`/${parts.join("")}`)), { numRuns: 5000 });
  });

  it("keeps genuine paths as they are", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,11}$/);
    const query = fc.option(fc.stringMatching(/^[a-z]{1,6}=[A-Za-z0-9_-]{0,8}(&[a-z]{1,6}=[A-Za-z0-9_-]{0,8})?$/), { nil: undefined });
    const hash = fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { nil: undefined });
    const genuine = fc
      .tuple(fc.array(segment, { minLength: 0, maxLength: 5 }), fc.boolean(), query, hash)
      .map(([parts, trailing, q, h]) => `/${parts.join("/")}${trailing && parts.length ? "/" : ""}${q ? `?${q}` : ""}${h ? `#${h}` : ""}`)
      .filter((p) => !/^\/(sign-in|sign-out|password-reset)(\/|$|\?|#)/.test(p));
    fc.assert(fc.property(genuine, (p) => { expect(safeNext(p)).to.equal(p); }), { numRuns: 3000 });
    for (const p of ["/requests/RD-7K2M-9Q4P?duplicate=1#thread", "/staff/requests/6f1c1c1e-3a8e-4b7e-9b1a-2f0e3d4c5b6a", "/my-data/who-has-seen", "/"]) expect(safeNext(p)).to.equal(p);
  });

  it("never sends anyone back into the sign-in pages, however they are spelled", () => {
    for (const p of ["/sign-in", "/sign-in?next=/x", "/%73ign-in", "/./sign-in", "/x/../sign-out", "//sign-in", "/password-reset/abc", "/%2570assword-reset/abc"]) {
      expect(safeNext(p), p).to.equal(DEFAULT_AFTER_SIGN_IN);
    }
  });
});
