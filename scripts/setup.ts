/**
 * `npm run setup`: creates a real organization and invites its first admin.
 *
 * In a terminal it asks each question (with a default where there is one) and asks again on a bad
 * answer; with --yes, or when stdin is not a terminal, it takes the flags and stops, naming
 * everything missing or wrong, before it opens the database. The invitation link is e-mailed when SMTP_URL is set, else
 * printed here, once: it is not kept anywhere in the clear. Works on the embedded database (stop
 * the portal first: the embedded database has one owner) and with DATABASE_URL.
 */
import { parseArgs } from "node:util";
import { and, eq } from "drizzle-orm";
import { ConfigError, loadConfig } from "../src/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext, exitStartupFailed } from "../src/bootstrap.js";
import { useOwnerOnlyFileModes } from "../src/db/data-dir.js";
import { deliverOutbox } from "../src/jobs.js";
import { outbox } from "../src/db/schema/index.js";
import { setUpOrganization, SetupConflict } from "../src/staff/set-up-organization.js";
import { askAll, flagOf, fromFlags, order, usage, UsageError, type Key } from "./setup-questions.js";

async function main(): Promise<void> {
  useOwnerOnlyFileModes();
  const { values } = parseArgs({
    options: {
      name: { type: "string" }, slug: { type: "string" }, host: { type: "string", multiple: true }, country: { type: "string" },
      "time-zone": { type: "string" }, locales: { type: "string" }, "default-locale": { type: "string" }, "dpo-email": { type: "string" },
      "admin-name": { type: "string" }, "admin-email": { type: "string" }, "print-link": { type: "boolean" }, yes: { type: "boolean" }, help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const flags = Object.fromEntries(order.map((k) => [k, values[flagOf[k] as keyof typeof values]]).filter(([, v]) => v !== undefined)) as Partial<Record<Key, string | string[]>>;
  const config = loadConfig();
  const input = process.stdin.isTTY && !values.yes ? await askAll(flags, process.stdin, process.stdout) : fromFlags(flags);

  // On the embedded database this takes the DATA_DIR lock: a running portal makes it stop, saying so.
  const { ctx, database } = await createContext(config, createLogger(config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL)).catch(exitStartupFailed);
  try {
    const mail = !!config.SMTP_URL && !values["print-link"];
    const { org, invitation } = await setUpOrganization(ctx, input, { mail });
    process.stdout.write(`\nCreated ${org.name} (${org.slug}). Its request pages say "not open yet" until the admin completes the checklist.\n`);
    let mailed = false;
    if (mail) {
      await deliverOutbox(ctx);
      const [row] = await ctx.db.select({ status: outbox.status }).from(outbox).where(and(eq(outbox.orgId, org.id), eq(outbox.template, "staff_invitation")));
      mailed = row?.status === "sent";
      process.stdout.write(mailed ? `The invitation was e-mailed to ${input.adminEmail}.\n` : "The invitation could not be e-mailed just now (the portal keeps trying); here is the link instead.\n");
    }
    // Printed once: only its hash is stored.
    if (!mailed) process.stdout.write(`\nInvitation link for ${input.adminEmail} (works once, for 72 hours):\n\n  ${invitation.inviteUrl}\n\n`);
    process.stdout.write("The admin opens it, sets a password and TOTP, and lands on the checklist at /staff/admin.\n");
  } finally {
    ctx.mail.close();
    await database.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof SetupConflict || err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`${err.message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`Set-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
