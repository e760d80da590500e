/**
 * The people and chats a browser journey needs: one organization offering all five languages,
 * two DPOs with TOTP enrolled (the test knows their secrets, as their phones would), and
 * requesters with chats on file under their e-mail addresses.
 */
import { insertSubject, subjectById } from "../../../src/chats/subject-store.js";
import { generate, generateSecret } from "otplib";
import type { AppContext } from "../../../src/context.js";
import { retentionPolicies, staffUsers, subjects } from "../../../src/db/schema/index.js";
import { demoPrivacyInfo } from "../../../src/seed/demo-settings.js";
import { createOrganization } from "../../../src/platform/organizations.js";
import { hashPassword } from "../../../src/identity/passwords.js";
import { appendMessages, createConversation } from "../../../src/chats/conversation-store.js";

export const STAFF_PASSWORD = "e2e staff password, long enough";

export interface StaffLogin {
  email: string;
  password: string;
  totpSecret: string;
  name: string;
}

export interface Requester {
  email: string;
  /** Topics of the requester's chats, oldest first, as the pages show them. */
  topics: string[];
  /** One line from each chat, to find in the packages. */
  lines: string[];
}

export interface World {
  orgName: string;
  dpo: StaffLogin;
  dpo2: StaffLogin;
  /** `thirdParty`: one more message in the first chat, naming someone else (for the redaction review). */
  newRequester(label: string, opts?: { thirdParty?: string }): Promise<Requester>;
}

/** The current TOTP code, as the authenticator app would show it. */
export async function totpCode(secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) });
}

export async function createWorld(ctx: AppContext): Promise<World> {
  const org = await createOrganization(ctx.db, ctx.keys, {
    slug: "e2e",
    name: "Tukilinja E2E",
    country: "FI",
    timeZone: "Europe/Helsinki",
    defaultLocale: "fi",
    locales: ["fi", "sv", "en", "nl", "et"],
    dpoEmail: "dpo@e2e.rightsdesk.test",
    // Every setting of the checklist, so the requester pages are open (the demo's texts).
    mailSenderName: "Tukilinja E2E",
    privacyInfo: demoPrivacyInfo,
  });
  await ctx.db.insert(retentionPolicies).values({ orgId: org.id, category: "conversations", periodDays: 730, basis: "last_activity", action: "tombstone" });
  const passwordHash = await hashPassword(STAFF_PASSWORD);
  const makeDpo = async (email: string, name: string): Promise<StaffLogin> => {
    const totpSecret = generateSecret();
    await ctx.db.insert(staffUsers).values({
      orgId: org.id, role: "dpo", email, name, passwordHash,
      totpSecretEnc: ctx.keys.sealWithMaster(totpSecret, "totp"), totpEnrolledAt: new Date(),
    });
    return { email, password: STAFF_PASSWORD, totpSecret, name };
  };
  const dpo = await makeDpo("dpo@e2e.rightsdesk.test", "Daniel DPO");
  const dpo2 = await makeDpo("dpo2@e2e.rightsdesk.test", "Dora Second-DPO");

  let n = 0;
  return {
    orgName: org.name,
    dpo,
    dpo2,
    async newRequester(label, opts = {}) {
      n += 1;
      const email = `${label}-${n}@example.test`;
      const subject = await insertSubject(ctx.db, ctx.keys, { orgId: org.id, email, displayName: `Requester ${n}`, locale: "fi" });
      const topics = [`School worries ${n}`, `Home ${n}`];
      const lines = [`Someone at school keeps taking my phone (${label} ${n})`, `I feel safer at home now (${label} ${n})`];
      const base = Date.now() - 20 * 86_400_000;
      for (const [i, topic] of topics.entries()) {
        const startedAt = new Date(base + i * 3 * 86_400_000);
        const conv = await createConversation(ctx.db, ctx.keys, { orgId: org.id, subjectId: subject!.id, receiptCodeHash: null, topic, startedAt, ip: "192.0.2.10" });
        await appendMessages(ctx.db, ctx.keys, conv, [
          { senderRole: "subject", senderLabel: "Me", body: lines[i]!, sentAt: new Date(startedAt.getTime() + 60_000) },
          { senderRole: "worker", senderLabel: "Helper", body: "Thank you for telling us. We are here for you.", sentAt: new Date(startedAt.getTime() + 120_000) },
          ...(i === 0 && opts.thirdParty ? [{ senderRole: "subject" as const, senderLabel: "Me", body: opts.thirdParty, sentAt: new Date(startedAt.getTime() + 180_000) }] : []),
        ]);
      }
      return { email, topics, lines };
    },
  };
}
