import path from "node:path";
import ipaddr from "ipaddr.js";
import { z } from "zod";

/**
 * Which peers may tell us the client's address (X-Forwarded-For), as Express's "trust proxy"
 * takes it: false (none), a hop count, or the proxies' addresses and CIDR ranges.
 */
export type TrustProxy = false | number | string[];

/** Express's names for whole ranges, accepted in a TRUST_PROXY list as well. */
const proxyRangeNames = new Set(["loopback", "linklocal", "uniquelocal"]);
const isProxyAddress = (entry: string) => proxyRangeNames.has(entry) || ipaddr.isValid(entry) || isCidr(entry);
function isCidr(entry: string): boolean {
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * TRUST_PROXY: 0/false for none; a hop count (1 for one proxy in front); or a comma-separated list
 * of the proxies' addresses or CIDRs. A bare "true" would trust every hop, so any client could
 * choose its own address (rate limits, audit pseudonyms) by sending X-Forwarded-For: refused.
 */
const trustProxy = z
  .string()
  .default("0")
  .transform((raw, zctx): TrustProxy => {
    const v = raw.trim().toLowerCase();
    if (v === "0" || v === "false" || v === "off" || v === "no") return false;
    if (v === "true" || v === "on" || v === "yes") {
      zctx.addIssue({ code: "custom", message: "a bare on/true would trust every hop, so any client could choose its own address with X-Forwarded-For; give the number of proxies in front of the portal (e.g. 1) or their addresses (e.g. 10.0.0.5,10.0.1.0/24)" });
      return z.NEVER;
    }
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops > 10) {
        zctx.addIssue({ code: "custom", message: "a hop count is the number of proxies in front of the portal (1 to 10)" });
        return z.NEVER;
      }
      return hops;
    }
    const entries = v.split(",").map((e) => e.trim()).filter(Boolean);
    const wrong = entries.filter((e) => !isProxyAddress(e));
    if (entries.length === 0 || wrong.length > 0) {
      zctx.addIssue({ code: "custom", message: `must be 0, a hop count, or proxy addresses/CIDRs separated by commas (not understood: ${wrong.join(", ") || raw})` });
      return z.NEVER;
    }
    return entries;
  });

/** Every environment variable the portal reads, validated once at start-up. */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
    .optional(),
  MAIL_FROM: z.string().min(3).default("Rightsdesk <no-reply@rightsdesk.invalid>"),
  MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 bytes, base64-encoded (openssl rand -base64 32)")
    .optional(),
  /** During a master-key rotation: the key being rotated away from, still accepted until `npm run keys:rotate` has rewrapped everything. */
  MASTER_KEY_PREVIOUS: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 bytes, base64-encoded (openssl rand -base64 32)")
    .optional(),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Where "Exit this page" leaves to: a neutral site that says nothing about the helpline. */
  EXIT_URL: z.url({ protocol: /^https$/ }).default("https://www.bbc.co.uk/weather"),
  TRUST_PROXY: trustProxy,
  /**
   * Lets webhooks reach 127.0.0.1/::1/localhost, for the test suite's and a developer's own
   * receivers. Outside production only: refused at start-up with NODE_ENV=production.
   */
  WEBHOOK_ALLOW_LOOPBACK: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Unset: auto outside production, never in production (see loadConfig). */
  SEED_DEMO: z.enum(["auto", "never"]).optional(),
  JOBS: z
    .enum(["on", "off"])
    .default("on"),
  /**
   * Bearer token for GET /metrics (Prometheus). Unset: there is no /metrics (404). Long and
   * random, since it guards figures about the organizations' queues.
   */
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,256}$/, "must be 32 to 256 printable characters without spaces (openssl rand -hex 32)")
    .optional(),
}).superRefine((c, zctx) => {
  if (c.NODE_ENV === "production" && c.WEBHOOK_ALLOW_LOOPBACK) {
    zctx.addIssue({ code: "custom", path: ["WEBHOOK_ALLOW_LOOPBACK"], message: "must be 0 in production: webhooks never reach this machine's own services there" });
  }
});

export type Config = Omit<z.infer<typeof schema>, "BASE_URL" | "SEED_DEMO"> & {
  BASE_URL: string;
  SEED_DEMO: "auto" | "never";
  dataDir: string;
  embedded: boolean;
  production: boolean;
};

export class ConfigError extends Error {}

/**
 * Cookies are marked Secure in production and whenever a TLS-terminating proxy is in front (any
 * TRUST_PROXY but 0): the browser then only sends them over HTTPS.
 */
export function secureCookies(config: Pick<Config, "TRUST_PROXY" | "production">): boolean {
  return config.TRUST_PROXY !== false || config.production;
}

/** Parses the environment; a wrong value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  const production = c.NODE_ENV === "production";
  // The demo's passwords are published in the README: whoever signs in first would own the portal.
  if (production && c.SEED_DEMO === "auto") {
    throw new ConfigError(
      "Invalid configuration:\n  SEED_DEMO: auto is not allowed with NODE_ENV=production (the demo organization's passwords are public); use never, or leave it unset, and run npm run setup",
    );
  }
  return {
    ...c,
    SEED_DEMO: c.SEED_DEMO ?? (production ? "never" : "auto"),
    BASE_URL: (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ""),
    dataDir: path.resolve(c.DATA_DIR),
    embedded: !c.DATABASE_URL,
    production,
  };
}
