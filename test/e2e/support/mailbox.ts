/** Reads the file mailbox (DATA_DIR/mail/*.eml) the way a person reads their inbox. */
import fs from "node:fs";
import path from "node:path";
import { mailboxDir } from "../../../src/platform/mail-transport.js";

export interface Mail {
  file: string;
  to: string;
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : decodeQuotedPrintable(text.replace(/_/g, " ")),
  );
}

/** The text/plain part of a (possibly multipart) message. */
function textPart(raw: string): string {
  const parts = raw.split(/\n--[^\n]+\n/);
  const part = parts.find((p) => /^Content-Type: text\/plain/im.test(p)) ?? raw;
  const [head = "", ...body] = part.split("\n\n");
  const content = body.join("\n\n");
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) return decodeQuotedPrintable(content);
  if (/Content-Transfer-Encoding: base64/i.test(head)) return Buffer.from(content.replace(/\s/g, ""), "base64").toString("utf8");
  return content;
}

export function readMailbox(dataDir: string): Mail[] {
  const dir = mailboxDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .map((file) => {
      const raw = fs.readFileSync(path.join(dir, file), "utf8");
      const head = raw.split("\n\n")[0] ?? "";
      const header = (name: string) => decodeHeader(head.replace(/\n[ \t]+/g, " ").match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1] ?? "");
      return { file, to: header("To"), subject: header("Subject"), text: textPart(raw) };
    });
}

/** Waits for a mail to `to` that was not there before (files named in `seen`), and matches `which`. */
export async function waitForMail(dataDir: string, to: string, seen: ReadonlySet<string>, timeoutMs = 20_000, which: (m: Mail) => boolean = () => true): Promise<Mail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mail = readMailbox(dataDir).find((m) => !seen.has(m.file) && m.to.includes(to) && which(m));
    if (mail) return mail;
    if (Date.now() > until) throw new Error(`no new mail to ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function mailFiles(dataDir: string): Set<string> {
  return new Set(readMailbox(dataDir).map((m) => m.file));
}

/** The sign-in code in a verification mail ("1234 5678"), without the space. */
export function signInCode(mail: Mail): string {
  const m = /\b(\d{4}) ?(\d{4})\b/.exec(mail.text);
  if (!m) throw new Error(`no code in the mail "${mail.subject}"`);
  return `${m[1]}${m[2]}`;
}
