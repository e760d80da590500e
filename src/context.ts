import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { Db } from "./db/client.js";
import type { KeyRing } from "./platform/crypto.js";
import type { MailTransport } from "./platform/mail-transport.js";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Everything a use case needs, passed in explicitly — never imported as a global. */
export interface AppContext {
  db: Db;
  engine: "pglite" | "postgres";
  config: Config;
  logger: Logger;
  clock: Clock;
  keys: KeyRing;
  mail: MailTransport;
  /** Names this process in job leases. */
  instanceId: string;
}
