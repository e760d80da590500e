import type { AddressInfo } from "node:net";
import type { Express } from "express";
import request from "supertest";
import { SMTPServer } from "smtp-server";
import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { deliverDueOutbox } from "../../src/platform/outbox.js";
import { outboxDeliverers } from "../../src/jobs.js";
import type { Config } from "../../src/config.js";

/** One message as a real SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 (random port) that keeps what it receives. */
export class TestSmtpServer {
  readonly inbox: ReceivedMail[] = [];
  private server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered (its self-signed certificate would be refused).
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        this.inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Mail received for one address, oldest first. */
  to(address: string): ReceivedMail[] {
    return this.inbox.filter((m) => m.to.includes(address.toLowerCase()));
  }
}

/** A fresh context whose mail goes over SMTP to the given server. */
export async function contextWithSmtp(smtp: TestSmtpServer, config: Partial<Config> = {}): Promise<TestContext> {
  const ctx = await freshContext({ config });
  ctx.mail.close();
  ctx.mail = createMailTransport({ smtpUrl: smtp.url, dataDir: ctx.config.dataDir });
  return ctx;
}

/** Runs the outbox once, as the background poller would, and expects no failures. */
export async function deliverMail(ctx: TestContext): Promise<void> {
  const counts = await deliverDueOutbox(ctx, outboxDeliverers());
  expect(counts.failed + counts.retried, "outbox delivery failures").to.equal(0);
}

/** The decoded text/plain part of a raw MIME message (quoted-printable or base64). */
export function textPart(raw: string): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  const plain = parts.find((p) => /content-type:\s*text\/plain/i.test(p)) ?? raw;
  const split = plain.search(/\r?\n\r?\n/);
  const headers = plain.slice(0, split);
  const body = plain.slice(split).trim();
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** The 8-digit code in a verification mail ("1234 5678" on its own indented line). */
export function codeFromMail(mail: ReceivedMail): string {
  const match = /^\s+(\d{4}) (\d{4})\s*$/m.exec(textPart(mail.raw));
  if (!match) throw new Error("no code in mail");
  return `${match[1]}${match[2]}`;
}

export function resetTokenFromMail(mail: ReceivedMail): string | undefined {
  return /\/password-reset\/([\w-]{43})\b/.exec(textPart(mail.raw))?.[1];
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser: keeps cookies (honouring their Path and deletion), sends them back, and fills in
 * the CSRF token of the last page it loaded. Responses are supertest responses.
 */
export class Browser {
  readonly cookies = new Map<string, StoredCookie>();
  lastCsrf: string | undefined;
  private headers: Record<string, string>;

  constructor(
    private readonly app: Express,
    headers: Record<string, string> = {},
  ) {
    this.headers = headers;
  }

  cookieHeader(path: string): string {
    return [...this.cookies.entries()]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
  }

  private remember(setCookie: string[] | string | undefined): void {
    for (const line of ([] as string[]).concat(setCookie ?? [])) {
      const [pair = "", ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? "/";
      const expires = attrs.find((a) => /^expires=/i.test(a))?.slice(8);
      const expired = (expires && new Date(expires).getTime() < Date.now()) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  private prepare(test: request.Test, path: string): request.Test {
    for (const [k, v] of Object.entries(this.headers)) test.set(k, v);
    const cookie = this.cookieHeader(path.split("?")[0]!);
    if (cookie) test.set("Cookie", cookie);
    return test;
  }

  async get(path: string): Promise<request.Response> {
    const res = await this.prepare(request(this.app).get(path), path);
    this.remember(res.headers["set-cookie"]);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text ?? "")?.[1];
    if (token) this.lastCsrf = token;
    return res;
  }

  /** Posts a form (a list is sent as repeated fields, like checkboxes); the CSRF token of the last page is added unless the fields set _csrf. */
  async post(path: string, fields: Record<string, string | string[]> = {}): Promise<request.Response> {
    const form = "_csrf" in fields ? fields : { _csrf: this.lastCsrf ?? "", ...fields };
    const body = new URLSearchParams(Object.entries(form).flatMap(([k, v]) => [v].flat().map((one) => [k, one]))).toString();
    const res = await this.prepare(request(this.app).post(path).type("form").send(body), path);
    this.remember(res.headers["set-cookie"]);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text ?? "")?.[1];
    if (token) this.lastCsrf = token;
    return res;
  }

  /** Loads a form page, then posts it (the way a person does). */
  async submit(pagePath: string, postPath: string, fields: Record<string, string>): Promise<request.Response> {
    const page = await this.get(pagePath);
    expect(page.status, `GET ${pagePath}`).to.equal(200);
    return this.post(postPath, fields);
  }

  get sessionToken(): string | undefined {
    return this.cookies.get("rd_session")?.value;
  }
}

/** Replaces the per-browser CSRF token so two pages can be compared byte for byte. */
export function maskCsrf(html: string): string {
  return html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="[csrf]"');
}
