import type { Express } from "express";
import { requests, sessions, type RequestType } from "../../src/db/schema/index.js";
import { randomToken, sha256Hex } from "../../src/platform/crypto.js";
import { generateSecret } from "otplib";
import { Browser } from "../identity/helpers.js";
import { newReference } from "../../src/platform/codes.js";
import { dueDate } from "../../src/requests/deadlines.js";
import type { TestContext } from "../support/context.js";

/** A request row as intake would store it, in any status. */
export async function makeRequest(
  ctx: TestContext,
  org: { id: string; country: string; timeZone: string },
  opts: { subjectId?: string | null; type?: RequestType; status?: string; receivedAt?: Date; conversationIds?: string[]; scope?: "profile" | "all_conversations" | "chosen_conversations"; locale?: string; erasureApprovedBy?: string | null; assurance?: "receipt" | "email" | "account" | "staff_verified" } = {},
) {
  const receivedAt = opts.receivedAt ?? ctx.clock.now();
  const due = dueDate(receivedAt, org.country, org.timeZone);
  const [row] = await ctx.db.insert(requests).values({
    orgId: org.id, reference: newReference(), subjectId: opts.subjectId ?? null, type: opts.type ?? "access",
    scope: opts.scope ?? "all_conversations", conversationIds: opts.conversationIds ?? [], dedupeKey: `k-${Math.random()}`,
    status: opts.status ?? "submitted", assurance: opts.assurance ?? "account", locale: opts.locale ?? "en", receivedAt, dueDate: due, effectiveDueDate: due,
    erasureApprovedBy: opts.erasureApprovedBy ?? null,
  }).returning();
  return row!;
}

/**
 * A browser (cookies by path, CSRF token of the last page) already signed in as a staff member
 * and re-authenticated just now, like test/support/http.ts signedInAgent.
 */
export async function staffBrowser(ctx: TestContext, app: Express, org: { id: string; slug: string }, staffId: string): Promise<Browser> {
  const token = randomToken();
  const now = ctx.clock.now();
  await ctx.db.insert(sessions).values({
    idHash: sha256Hex(token), orgId: org.id, kind: "staff", staffId, assurance: "staff", stage: "complete",
    reauthAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 3_600_000),
  });
  const browser = new Browser(app, { Host: `${org.slug}.test` });
  browser.cookies.set("rd_session", { value: token, path: "/" });
  return browser;
}

/**
 * Columns of a staff member who enrolled an authenticator app before recovery codes existed (or
 * whose codes were never shown), for makeStaff(ctx, orgId, role, enrolledTotp(ctx)).
 */
export function enrolledTotp(ctx: TestContext, secret = generateSecret()) {
  return { totpSecretEnc: ctx.keys.sealWithMaster(secret, "totp"), totpEnrolledAt: new Date("2026-01-05T09:00:00Z") };
}
