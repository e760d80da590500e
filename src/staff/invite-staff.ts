import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { staffUsers, type StaffRole } from "../db/schema/index.js";
import { normalizeEmail } from "../identity/email-address.js";
import { appendAudit, type Actor } from "../platform/audit.js";
import { randomToken, sha256Hex } from "../platform/crypto.js";
import { ValidationError } from "../platform/errors.js";
import type { Organization } from "../platform/http/types.js";
import { staffInviteUrl } from "../mail/links.js";
import { queueMail } from "../mail/queue-mail.js";
import type { StaffActor } from "../platform/policy.js";
import { INVITE_TTL_MS, staffAdminActions } from "./staff-members.js";

export interface InviteInput {
  name: string;
  email: string;
  role: StaffRole;
  /** "" for the organization's default language. */
  locale: string;
}

export interface Invitation {
  staffId: string;
  /** The link with its single-use token: e-mailed, or handed to the caller once (npm run setup). */
  inviteUrl: string;
}

/**
 * Writes an invitation inside the caller's transaction: a random token of which only the hash is
 * stored, valid 72 hours, with its audit entry; `mail` queues the link to the invitee through the
 * outbox in the same transaction. Inviting an address again whose invitation is still open issues
 * a fresh link (the old one dies).
 */
export async function writeInvitation(
  tx: Tx, ctx: AppContext, org: Organization, actor: Actor, input: InviteInput, opts: { mail: boolean },
): Promise<Invitation> {
  const email = normalizeEmail(input.email);
  const token = randomToken();
  const invite = { inviteTokenHash: sha256Hex(token), inviteExpiresAt: new Date(ctx.clock.now().getTime() + INVITE_TTL_MS) };
  const locale = input.locale || null;
  const [existing] = await tx.select().from(staffUsers).where(and(eq(staffUsers.orgId, org.id), eq(staffUsers.email, email))).for("update");
  if (existing && (existing.passwordHash || existing.disabledAt)) throw new ValidationError({ email: "staff.errors.emailTaken" });
  const [row] = existing
    ? await tx.update(staffUsers).set({ name: input.name, role: input.role, locale, ...invite }).where(eq(staffUsers.id, existing.id)).returning()
    : await tx.insert(staffUsers).values({ orgId: org.id, email, name: input.name, role: input.role, locale, ...invite }).returning();
  const inviteUrl = staffInviteUrl(ctx, token, org.hostnames);
  if (opts.mail) {
    await queueMail(tx, ctx, {
      orgId: org.id,
      to: email,
      template: "staff_invitation",
      locale: locale ?? org.defaultLocale,
      // Only the link and the organization's name: no role, no inviter, nothing about requests.
      data: { inviteUrl, orgName: org.name, days: INVITE_TTL_MS / 86_400_000 },
    });
  }
  await appendAudit(tx, ctx, {
    orgId: org.id, actor, action: staffAdminActions.invited,
    target: { type: "staff", id: row!.id }, details: { role: input.role, reissued: !!existing, mailed: opts.mail },
  });
  return { staffId: row!.id, inviteUrl };
}

/** An admin invites a new staff member; the link is e-mailed. */
export async function inviteStaff(ctx: AppContext, actor: StaffActor, org: Organization, input: InviteInput): Promise<{ staffId: string }> {
  const { staffId } = await ctx.db.transaction((tx) => writeInvitation(tx, ctx, org, { type: "staff", id: actor.id, role: actor.role }, input, { mail: true }));
  return { staffId };
}
