import { pino, type Logger } from "pino";

/**
 * JSON logs. Bodies, codes, passwords, tokens and cookies never reach a log line: request logs
 * carry only method, route and status; anything that might hold a secret is redacted by key.
 */
const redactedKeys = [
  "password", "code", "token", "body", "text", "secret", "cookie", "authorization", "email", "ip",
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [...redactedKeys, ...redactedKeys.map((k) => `*.${k}`)],
      censor: "[redacted]",
    },
  });
}

/** Keeps the network part only: 203.0.113.57 → 203.0.113.0, 2001:db8:1:2::5 → 2001:db8:1::. */
export function truncateIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const v4 = ip.replace(/^::ffff:/, "");
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return v4.replace(/\.\d+$/, ".0");
  const groups = ip.split(":").slice(0, 3).filter(Boolean);
  return `${groups.join(":")}::`;
}
