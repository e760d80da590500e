/**
 * Requests the portal sends to addresses an admin typed in (recipients' webhooks). Such an
 * address must never reach the portal's own network: the loopback interface, private and
 * carrier-grade NAT ranges, link-local (cloud metadata at 169.254.169.254), unique-local,
 * multicast, unspecified or reserved addresses, in IPv4 and IPv6 (an IPv4-mapped IPv6 address
 * is judged as the IPv4 address it carries). ipaddr.js classifies the address; only its
 * "unicast" (global) range is allowed.
 *
 * The address is checked twice: when the URL is saved (a literal address, or "localhost") and
 * when a request is sent, after DNS resolution. At send time the connection is made to the very
 * address that was checked — the check is the socket's own `lookup` — so a name that resolves to
 * a public address for the check and to 127.0.0.1 a moment later (DNS rebinding) gains nothing.
 */
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import type { Config } from "../config.js";

export interface OutboundPolicy {
  /** Production: only https:// targets. */
  httpsOnly: boolean;
  /**
   * Outside production only, and only when WEBHOOK_ALLOW_LOOPBACK=1 (the test suite and a
   * developer's own receiver): loopback targets are allowed. Private ranges never are.
   */
  allowLoopback: boolean;
}

export function outboundPolicy(config: Pick<Config, "production" | "WEBHOOK_ALLOW_LOOPBACK">): OutboundPolicy {
  return { httpsOnly: config.production, allowLoopback: !config.production && config.WEBHOOK_ALLOW_LOOPBACK };
}

export type TargetProblem = "https_required" | "address_not_allowed";

/** Whether the portal may connect to this IP address. */
export function isAllowedAddress(address: string, policy: OutboundPolicy): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === "unicast" || (range === "loopback" && policy.allowLoopback);
}

/** The URL's host without IPv6 brackets and a trailing dot. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
const isLocalhostName = (host: string) => host === "localhost" || host.endsWith(".localhost");

/**
 * What is wrong with a target URL before any DNS look-up: the scheme, a literal address outside
 * the allowed ranges, or a localhost name. The WHATWG parser has already turned "2130706433" or
 * "0x7f.1" into 127.0.0.1, so every spelling of an address is judged as that address.
 */
export function targetProblem(raw: string, policy: OutboundPolicy): TargetProblem | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "address_not_allowed";
  }
  if (url.protocol !== "https:" && (policy.httpsOnly || url.protocol !== "http:")) return "https_required";
  const host = hostOf(url);
  if (ipaddr.isValid(host)) return isAllowedAddress(host, policy) ? undefined : "address_not_allowed";
  if (isLocalhostName(host) && !policy.allowLoopback) return "address_not_allowed";
  return undefined;
}

/** Raised (as a connection error) when a name resolves to an address that is not allowed. */
export class AddressNotAllowedError extends Error {
  readonly code = "EADDRNOTALLOWED";
  constructor() {
    super("the target resolves to an address the portal may not connect to");
  }
}

/**
 * A socket `lookup` that resolves every address of the name and refuses the connection if any
 * of them is not allowed (a mixed answer is refused whole), then hands the checked addresses to
 * the socket, which connects to exactly those.
 */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      if (addresses.length === 0 || addresses.some((a) => !isAllowedAddress(a.address, policy))) return callback(new AddressNotAllowedError(), "", 0);
      if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export interface OutboundResponse {
  status: number;
}

/**
 * POSTs a body to a target URL under the policy: the URL is checked again, the name is resolved
 * through guardedLookup, redirects are not followed, the response body is discarded. Network
 * errors and a refused address reject (AddressNotAllowedError for the latter).
 */
export function postOutbound(raw: string, body: string, headers: Record<string, string>, opts: { policy: OutboundPolicy; timeoutMs: number }): Promise<OutboundResponse> {
  const problem = targetProblem(raw, opts.policy);
  if (problem) return Promise.reject(new AddressNotAllowedError());
  const url = new URL(raw);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      lookup: guardedLookup(opts.policy),
      // A fresh connection per delivery: a pooled socket must not outlive the address check.
      agent: false,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on("error", reject);
    req.end(body);
  });
}
