import { insertSubjects } from "../chats/subject-store.js";
import { and, count, eq, like } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { conversations, organizations, recipients, retentionPolicies, staffUsers, subjects, type StaffRole } from "../db/schema/index.js";
import type { Tx } from "../db/client.js";
import { retentionPresets } from "../retention/presets.js";
import type { PolicyValues } from "../retention/categories.js";
import { createOrganization } from "../platform/organizations.js";
import { appendMessages, addNote, createConversation } from "../chats/conversation-store.js";
import { hashPassword } from "../identity/passwords.js";
import { hashReceiptCode, newReceiptCode } from "../platform/codes.js";
import { appendAudit, systemActor } from "../platform/audit.js";
import { demoChats, demoSubjects } from "./demo-content.js";
import { demoPrivacyInfo } from "./demo-settings.js";
import { seedDemoRequests } from "./demo-requests.js";

export const DEMO_DOMAIN = "demo.rightsdesk.test";
export const DEMO_STAFF_PASSWORD = "demo-staff-2026";
export const DEMO_SUBJECT_PASSWORD = "demo-chat-2026";

export interface DemoSummary {
  orgId: string;
  lines: string[];
  receiptCodes: string[];
}

/** A demo person's address: "Lumi Mäkinen" → lumi.makinen@demo.rightsdesk.test. */
export function demoEmail(name: string): string {
  return `${name.toLowerCase().normalize("NFD").replace(/[^a-z ]/g, "").replace(/ /g, ".")}@${DEMO_DOMAIN}`;
}

/** The demo's passwords are published: it never exists where real people's data is. */
export class DemoInProductionError extends Error {
  constructor() {
    super("The demo organization is never seeded with NODE_ENV=production: its passwords are public. Set up a real organization with npm run setup.");
    this.name = "DemoInProductionError";
  }
}

export class DemoDataInProductionError extends Error {
  constructor() {
    super("This database holds the demo organization, whose passwords are public: production never runs with it. Start on a fresh DATA_DIR (or database) and set up a real organization with npm run setup.");
    this.name = "DemoDataInProductionError";
  }
}

/**
 * A production start on data a development run seeded (the demo's staff, with their published
 * passwords) stops before it listens: otherwise the first visitor could sign in as the demo admin.
 */
export async function refuseDemoDataInProduction(ctx: AppContext): Promise<void> {
  if (!ctx.config.production) return;
  const [demoStaff] = await ctx.db.select({ id: staffUsers.id }).from(staffUsers).where(like(staffUsers.email, `%@${DEMO_DOMAIN}`)).limit(1);
  if (demoStaff) throw new DemoDataInProductionError();
}

/** Seeds the demo organization on the first embedded start only. */
export async function seedDemoIfEmpty(ctx: AppContext): Promise<DemoSummary | undefined> {
  if (ctx.config.production) throw new DemoInProductionError();
  const [row] = await ctx.db.select({ n: count() }).from(organizations);
  if ((row?.n ?? 0) > 0) return undefined;
  return seedDemo(ctx);
}

export async function seedDemo(ctx: AppContext): Promise<DemoSummary> {
  if (ctx.config.production) throw new DemoInProductionError();
  const staffHash = await hashPassword(DEMO_STAFF_PASSWORD);
  const subjectHash = await hashPassword(DEMO_SUBJECT_PASSWORD);
  return ctx.db.transaction(async (tx) => {
    const org = await createOrganization(tx, ctx.keys, {
      slug: "demo",
      name: "Tukilinja Demo",
      country: "FI",
      timeZone: "Europe/Helsinki",
      defaultLocale: "fi",
      locales: ["fi", "sv", "en", "nl", "et"],
      dpoEmail: `dpo@${DEMO_DOMAIN}`,
      mailSenderName: "Tukilinja Demo",
      // Every setting of the checklist (settings/readiness.ts), so the demo opens at once.
      privacyInfo: demoPrivacyInfo,
    });
    const staff: [StaffRole, string, string][] = [
      ["reviewer", `reviewer@${DEMO_DOMAIN}`, "Riikka Reviewer"],
      ["dpo", `dpo@${DEMO_DOMAIN}`, "Daniel DPO"],
      ["dpo", `dpo2@${DEMO_DOMAIN}`, "Dora Second-DPO"],
      ["admin", `admin@${DEMO_DOMAIN}`, "Aleksi Admin"],
    ];
    await tx.insert(staffUsers).values(staff.map(([role, email, name]) => ({ orgId: org.id, role, email, name, passwordHash: staffHash })));

    const base = Date.UTC(2026, 9, 1, 9, 0, 0);
    const people = await insertSubjects(tx, ctx.keys,
        demoSubjects.map(([name, locale], i) => ({
          orgId: org.id,
          externalId: `demo-user-${i + 1}`,
          email: demoEmail(name),
          displayName: name,
          passwordHash: subjectHash,
          locale,
          emailVerifiedAt: new Date(base),
          lastActivityAt: new Date(base + i * 86_400_000),
        })),
    );

    let n = 0;
    for (const person of people) {
      const scripts = demoChats[person.locale ?? "en"] ?? demoChats.en!;
      for (const script of scripts) {
        n += 1;
        const startedAt = new Date(base + n * 3 * 3_600_000);
        const conv = await createConversation(tx, ctx.keys, {
          orgId: org.id, subjectId: person.id, externalId: `demo-conv-${n}`, topic: script.topic,
          language: person.locale, startedAt, endedAt: new Date(startedAt.getTime() + 25 * 60_000), ip: `198.51.100.${n % 250}`,
        });
        await appendMessages(tx, ctx.keys, conv, script.lines.map(([role, text], j) => ({
          senderRole: role, senderLabel: role === "worker" ? "Päivystäjä Kaisa" : person.displayName, body: text,
          sentAt: new Date(startedAt.getTime() + j * 60_000),
        })));
        await addNote(tx, ctx.keys, conv, script.note, undefined, new Date(startedAt.getTime() + 30 * 60_000));
      }
    }

    const receiptCodes: string[] = [];
    for (const [i, lang] of (["fi", "sv", "nl", "et", "en"] as const).entries()) {
      const code = newReceiptCode();
      receiptCodes.push(code);
      const script = demoChats[lang]![0]!;
      const startedAt = new Date(base + (100 + i) * 3_600_000);
      const conv = await createConversation(tx, ctx.keys, {
        orgId: org.id, externalId: `demo-anon-${i + 1}`, receiptCodeHash: hashReceiptCode(code), topic: script.topic,
        language: lang, startedAt, endedAt: new Date(startedAt.getTime() + 20 * 60_000), ip: `203.0.113.${i + 10}`,
      });
      await appendMessages(tx, ctx.keys, conv, script.lines.map(([role, text], j) => ({
        senderRole: role, senderLabel: role === "worker" ? "Chat worker Mia" : "Anonymous", body: text,
        sentAt: new Date(startedAt.getTime() + j * 60_000),
      })));
    }
    await seedDemoRequests(ctx, tx, org, people);
    await seedDemoOperations(tx, org.id);
    await appendAudit(tx, ctx, { orgId: org.id, actor: systemActor, action: "demo.seeded", details: { subjects: people.length, conversations: n + receiptCodes.length } });

    return {
      orgId: org.id,
      receiptCodes,
      lines: [
        `Requester (chat account): ${people[0]!.email} / ${DEMO_SUBJECT_PASSWORD}`,
        `Requester (e-mail code):  any demo address, e.g. ${people[1]!.email}; codes appear at ${ctx.config.BASE_URL}/dev/mail`,
        `Requester (receipt code): ${receiptCodes[0]}`,
        ...staff.map(([role, email]) => `Staff ${role.padEnd(8)} ${email} / ${DEMO_STAFF_PASSWORD} (TOTP set up at first sign-in)`),
      ],
    };
  });
}

/** Recipients to notify (Art. 19), a retention preset and one legal hold, so every staff screen has something to show. */
async function seedDemoOperations(tx: Tx, orgId: string): Promise<void> {
  await tx.insert(recipients).values([
    { orgId, name: "Demo Chat Platform Oy", description: "Chat platform vendor: holds the live chat history" },
    { orgId, name: "Support inbox", description: "E-mail support inbox of the helpline" },
  ]);
  const preset = retentionPresets.last_conversation_2_years as Record<string, PolicyValues>;
  await tx.insert(retentionPolicies).values(Object.entries(preset).map(([category, v]) => ({ orgId, category, ...v })));
  await tx
    .update(conversations)
    .set({ legalHoldAt: new Date(Date.UTC(2026, 9, 20, 12, 0, 0)), legalHoldReason: "Child-protection report made on 20 October 2026", legalHoldReviewOn: "2027-01-20" })
    .where(and(eq(conversations.orgId, orgId), eq(conversations.externalId, "demo-conv-2")));
}
