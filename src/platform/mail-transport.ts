import fs from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";

/** An address string ("Name <a@b>" or "a@b") or a display name with an address. */
export type MailAddress = string | { name: string; address: string };

export interface OutgoingMail {
  from: MailAddress;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
  readonly kind: "smtp" | "file";
}

/** SMTP when SMTP_URL is set (smtps:// or STARTTLS per the URL), else .eml files in DATA_DIR/mail. */
export function createMailTransport(opts: { smtpUrl?: string; dataDir: string }): MailTransport {
  return opts.smtpUrl ? smtpTransport(opts.smtpUrl) : fileMailbox(mailboxDir(opts.dataDir));
}

export function mailboxDir(dataDir: string): string {
  return path.join(dataDir, "mail");
}

/** Marks every message as automatic (RFC 3834), so vacation responders do not answer it. */
const automaticHeaders = { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" };

const loopbackHosts = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/**
 * nodemailer options for SMTP_URL. smtps:// is TLS from the first byte (port 465). smtp:// to any
 * host but this machine must upgrade with STARTTLS (requireTLS), so a network attacker cannot strip
 * TLS and read codes and links; a relay on localhost may speak plain SMTP. Query parameters of the
 * URL override these defaults (e.g. ?requireTLS=false, ?pool=true, ?tls.servername=…). Timeouts
 * are short so a hung server fails an attempt well within the outbox lease.
 */
export function smtpOptions(url: string): Record<string, unknown> {
  const parsed = new URL(url);
  const secure = parsed.protocol === "smtps:";
  const loopback = loopbackHosts.has(parsed.hostname.toLowerCase());
  return {
    url,
    requireTLS: !secure && !loopback,
    tls: { minVersion: "TLSv1.2" },
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    dnsTimeout: 15_000,
  };
}

function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpOptions(url));
  return {
    kind: "smtp",
    async send(mail) {
      await transporter.sendMail({ ...mail, headers: automaticHeaders });
    },
    close: () => transporter.close(),
  };
}

function fileMailbox(dir: string): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "file",
    async send(mail) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const info = await builder.sendMail({ ...mail, headers: automaticHeaders });
      const name = `${Date.now()}-${mail.messageId.replace(/[^A-Za-z0-9]/g, "").slice(0, 24)}.eml`;
      // Write then rename: a reader never sees half a message.
      const tmp = path.join(dir, `.${name}.tmp`);
      fs.writeFileSync(tmp, info.message as Buffer, { mode: 0o600 });
      fs.renameSync(tmp, path.join(dir, name));
    },
    close: () => builder.close(),
  };
}

export interface MailboxEntry {
  file: string;
  to: string;
  subject: string;
  date: string;
}

/** The file mailbox, newest first; headers only (for /dev/mail). */
export function listMailbox(dataDir: string): MailboxEntry[] {
  const dir = mailboxDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .reverse()
    .map((file) => {
      const head = fs.readFileSync(path.join(dir, file), "utf8").split("\n\n")[0] ?? "";
      const header = (name: string) => decodeHeader(head.match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1] ?? "");
      return { file, to: header("To"), subject: header("Subject"), date: header("Date") };
    });
}

/** Decodes RFC 2047 encoded-words (=?UTF-8?Q?...?= / ?B?) in a header value. */
function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

export function readMailboxFile(dataDir: string, file: string): string | undefined {
  if (!/^[\w.-]+\.eml$/.test(file)) return undefined;
  const full = path.join(mailboxDir(dataDir), file);
  return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
}
