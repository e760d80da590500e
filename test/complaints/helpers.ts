import crypto from "node:crypto";
import fs from "node:fs";
import { eq } from "drizzle-orm";
import { PDFParse } from "pdf-parse";
import type { Express } from "express";
import type { TestContext } from "../support/context.js";
import { freshContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { requests, type RequestType } from "../../src/db/schema/index.js";
import { exportsRoot } from "../../src/platform/export-files.js";
import { newReference } from "../../src/platform/codes.js";
import { dueDate } from "../../src/requests/deadlines.js";
import type { StaffActor } from "../../src/platform/policy.js";

export const TZ: Record<string, string> = { FI: "Europe/Helsinki", SE: "Europe/Stockholm", NL: "Europe/Amsterdam", EE: "Europe/Tallinn" };

/** A fresh context with an empty exports directory (the data dir is shared by the whole run). */
export async function freshComplaintsContext(): Promise<TestContext> {
  const ctx = await freshContext();
  fs.rmSync(exportsRoot(ctx.config), { recursive: true, force: true });
  ctx.clock.set("2026-03-02T09:00:00Z");
  return ctx;
}

export type Org = Awaited<ReturnType<typeof makeOrg>>;
export type Staff = Awaited<ReturnType<typeof makeStaff>>;
export type Subject = Awaited<ReturnType<typeof makeSubject>>;

/** An organization of one of the four countries, its lead authority in the same country. */
export async function countryOrg(ctx: TestContext, country = "FI", extra: Parameters<typeof makeOrg>[1] = {}) {
  return makeOrg(ctx, { country, timeZone: TZ[country]!, authorityCountry: country, name: `Helpline ${country}`, ...extra });
}

/** A request row as intake stores it, in any status, due one month after receipt on the organization's calendar. */
export async function insertRequest(
  ctx: TestContext,
  org: Org,
  opts: { subjectId?: string | null; status?: string; type?: RequestType; receivedAt?: Date; locale?: string; set?: Partial<typeof requests.$inferInsert> } = {},
) {
  const receivedAt = opts.receivedAt ?? ctx.clock.now();
  const due = dueDate(receivedAt, org.country, org.timeZone);
  const [row] = await ctx.db
    .insert(requests)
    .values({
      orgId: org.id, reference: newReference(), subjectId: opts.subjectId ?? null, type: opts.type ?? "access", scope: "all_conversations",
      dedupeKey: crypto.randomUUID(), status: opts.status ?? "in_review", assurance: "account", locale: opts.locale ?? "en",
      receivedAt, dueDate: due, effectiveDueDate: due, ...opts.set,
    })
    .returning();
  return row!;
}

export async function reload(ctx: TestContext, id: string) {
  const [row] = await ctx.db.select().from(requests).where(eq(requests.id, id));
  return row!;
}

export function staffActor(s: Staff): StaffActor {
  return { type: "staff", id: s.id, orgId: s.orgId, role: s.role, name: s.name, email: s.email };
}

export function requesterAgent(ctx: TestContext, app: Express, org: Org, subject: Subject, extra: { locale?: string } = {}): Promise<Agent> {
  return signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, email: subject.email, host: `${org.slug}.test`, ...extra });
}

export function staffAgent(ctx: TestContext, app: Express, org: Org, staff: Staff): Promise<Agent> {
  return signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: staff.id, host: `${org.slug}.test` });
}

/** POSTs a form with the CSRF token of `page`. */
export async function postForm(agent: Agent, path: string, form: Record<string, string>, page: string) {
  const token = await csrfFrom(agent, page);
  return agent.post(path).type("form").send({ ...form, _csrf: token });
}

export { buildApp };

/** The text of a PDF, with whitespace removed (extraction may break lines anywhere). */
export async function pdfText(buffer: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(buffer) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

export const squash = (text: string) => text.replace(/\s+/g, "");

/** HTML-escapes like EJS, to look for text in a page. */
export const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");
