import path from "node:path";
import { z } from "zod";

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
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  TRUST_PROXY: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Unset: auto outside production, never in production (see loadConfig). */
  SEED_DEMO: z.enum(["auto", "never"]).optional(),
  JOBS: z
    .enum(["on", "off"])
    .default("on"),
});

export type Config = Omit<z.infer<typeof schema>, "BASE_URL" | "SEED_DEMO"> & {
  BASE_URL: string;
  SEED_DEMO: "auto" | "never";
  dataDir: string;
  embedded: boolean;
  production: boolean;
};

export class ConfigError extends Error {}

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
