import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { requests } from "../../src/db/schema/index.js";
import type { TestContext } from "../support/context.js";

let counter = 0;

/** Inserts a request row directly (tests of reminders and failures need no lifecycle). */
export async function insertRequest(ctx: TestContext, orgId: string, overrides: Partial<typeof requests.$inferInsert> = {}) {
  counter += 1;
  const due = overrides.effectiveDueDate ?? overrides.dueDate ?? "2026-03-20";
  const [row] = await ctx.db
    .insert(requests)
    .values({
      orgId,
      reference: `RD-T${String(counter).padStart(3, "0")}-${Date.now().toString(36).toUpperCase().slice(-4)}`,
      type: "access",
      scope: "all_conversations",
      dedupeKey: `test-${counter}-${Math.random()}`,
      status: "in_review",
      assurance: "email",
      locale: "en",
      receivedAt: new Date("2026-02-01T10:00:00Z"),
      dueDate: due,
      effectiveDueDate: due,
      ...overrides,
    })
    .returning();
  return row!;
}

export interface ReceivedMail {
  /** Whether the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
  from: string;
  to: string[];
  raw: string;
  messageId: string;
  header(name: string): string | undefined;
}

/**
 * A real SMTP server on 127.0.0.1 (smtp-server), without STARTTLS and with optional login, that
 * keeps what it receives across stops and starts. `rejectRcpt` answers RCPT TO for an address.
 */
export class SmtpPeer {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  port = 0;
  rejectRcpt: (address: string) => { code: number; message: string } | undefined = () => undefined;
  /** How long the server takes to accept each message (a slow relay). */
  acceptDelayMs = 0;

  /** tls "none": plain SMTP, STARTTLS disabled; "starttls": offers STARTTLS; "implicit": TLS from the start (smtps). */
  constructor(private readonly tls: "none" | "starttls" | "implicit" = "none") {}

  async start(port = this.port): Promise<number> {
    const server = new SMTPServer({
      // Without a key of its own smtp-server uses its built-in test certificate.
      secure: this.tls === "implicit",
      disabledCommands: this.tls === "none" ? ["STARTTLS"] : [],
      authOptional: true,
      logger: false,
      onRcptTo: (address: SMTPServerAddress, _session, callback) => {
        const reject = this.rejectRcpt(address.address);
        if (reject) return callback(Object.assign(new Error(reject.message), { responseCode: reject.code }));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const head = raw.split(/\r?\n\r?\n/)[0] ?? "";
          const header = (name: string) => head.replace(/\r?\n[ \t]+/g, " ").match(new RegExp(`^${name}:\\s*(.*)$`, "mi"))?.[1]?.trim();
          this.received.push({
            secure: session.secure,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            messageId: header("Message-ID") ?? "",
            header,
          });
          setTimeout(callback, this.acceptDelayMs);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `${this.tls === "implicit" ? "smtps" : "smtp"}://127.0.0.1:${this.port}`;
  }
}
