/**
 * Research excerpts for a named recipient (the helplines' notices: "shared for research only with
 * identifying data removed", Art. 89 and 21(6)). Only eligible conversations (research.ts); every
 * identifier removed by the redaction engine run strictly (research-deidentify.ts); counsellors
 * by role, the others as "[person]"; dates coarsened to the month; no IP addresses, receipt codes,
 * ids or notes. Each export is recorded as a disclosure to that recipient: one audit entry for the
 * export and one per conversation, naming its person, so "Who has seen my data" shows it.
 */
import crypto from "node:crypto";
import { inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { subjects } from "../db/schema/index.js";
import { openSubjects } from "../chats/subject-store.js";
import { conversationsByIds, readSenderLabels, type Conversation } from "../chats/conversation-store.js";
import { messagePages } from "../exports/package-data.js";
import { appendAudit } from "../platform/audit.js";
import { ValidationError } from "../platform/errors.js";
import type { StaffActor } from "../platform/policy.js";
import { inTransaction } from "../platform/transaction.js";
import { redactionLanguages, type KnownPerson, type RedactionLanguage } from "../redaction/types.js";
import { researchEligibleConversations } from "./research.js";
import { ResearchDeidentifier, monthOf } from "./research-deidentify.js";

export const RESEARCH_FORMAT = "rightsdesk-research-excerpts/1";

export interface ResearchInput {
  recipient: string;
  purpose: string;
}

export interface ResearchExport {
  fileName: string;
  body: string;
  conversationCount: number;
  messageCount: number;
}

const SENDER: Record<string, string> = { subject: "chatter", worker: "counsellor", other: "participant", system: "system" };

function languageOf(conv: Conversation, fallback: string): RedactionLanguage {
  const base = (conv.language ?? fallback).slice(0, 2).toLowerCase();
  return (redactionLanguages as readonly string[]).includes(base) ? (base as RedactionLanguage) : "en";
}

/** The most characters the research form's purpose takes (its character count says so too). */
export const RESEARCH_PURPOSE_MAX = 1000;

function checkInput(input: ResearchInput): ResearchInput {
  const recipient = input.recipient.trim();
  const purpose = input.purpose.trim();
  const errors: Record<string, string> = {};
  if (recipient.length < 2) errors.recipient = "platform.errors.required";
  else if (recipient.length > 200) errors.recipient = "platform.errors.tooLong";
  if (purpose.length < 5) errors.purpose = "fulfilment.research.errors.purposeRequired";
  else if (purpose.length > RESEARCH_PURPOSE_MAX) errors.purpose = "platform.errors.tooLong";
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return { recipient, purpose };
}

/** Everyone the platform named in these conversations, and the chatters' display names: never in an excerpt. */
async function knownPeople(ctx: AppContext, convs: Conversation[]): Promise<KnownPerson[]> {
  const people = new Map<string, KnownPerson>();
  for (const conv of convs) {
    for (const { role, label } of await readSenderLabels(ctx.db, ctx.keys, conv)) {
      people.set(label.toLowerCase(), { name: label, role: role === "worker" ? "counsellor" : "participant" });
    }
  }
  const subjectIds = [...new Set(convs.map((c) => c.subjectId).filter((id): id is string => !!id))];
  if (subjectIds.length) {
    const rows = await ctx.db.select().from(subjects).where(inArray(subjects.id, subjectIds));
    for (const { displayName } of await openSubjects(ctx.db, ctx.keys, rows)) {
      if (displayName) people.set(displayName.toLowerCase(), { name: displayName, role: "participant" });
    }
  }
  return [...people.values()];
}

export async function exportResearchExcerpts(ctx: AppContext, actor: StaffActor, raw: ResearchInput, defaultLocale: string): Promise<ResearchExport> {
  const input = checkInput(raw);
  const now = ctx.clock.now();
  const eligible = await researchEligibleConversations(ctx.db, actor.orgId, now);
  const convs = await conversationsByIds(ctx.db, eligible.map((c) => c.id));
  const byId = new Map(convs.map((c) => [c.id, c]));
  const ordered = eligible.map((e) => byId.get(e.id)!).filter(Boolean);
  const deid = new ResearchDeidentifier(await knownPeople(ctx, ordered));

  // Pass 1: learn every name in the export, so a name recognized in one chat goes in all of them.
  for (const conv of ordered) {
    const lang = languageOf(conv, defaultLocale);
    if (conv.topic) deid.learn(conv.topic, lang);
    for await (const page of messagePages(ctx.db, ctx.keys, conv)) for (const m of page) deid.learn(m.body, lang);
  }
  // Pass 2: write the excerpts.
  const excerpts: unknown[] = [];
  let messageCount = 0;
  for (const [i, conv] of ordered.entries()) {
    const lang = languageOf(conv, defaultLocale);
    const messages: { from: string; text: string }[] = [];
    for await (const page of messagePages(ctx.db, ctx.keys, conv)) {
      for (const m of page) messages.push({ from: SENDER[m.senderRole] ?? "participant", text: deid.deidentify(m.body, lang) });
    }
    messageCount += messages.length;
    excerpts.push({ excerpt: i + 1, month: monthOf(conv.startedAt), language: conv.language, topic: conv.topic ? deid.deidentify(conv.topic, lang) : null, messages });
  }
  const body = `${JSON.stringify({
    format: RESEARCH_FORMAT, recipient: input.recipient, purpose: input.purpose, exportedMonth: monthOf(now),
    note: "Identifying details removed: names, contact details, identity numbers, addresses, links, handles, IP addresses and receipt codes. Counsellors appear as [counsellor]. Dates are given to the month.",
    excerpts,
  }, null, 2)}\n`;
  const sha256 = crypto.createHash("sha256").update(body).digest("hex");

  await inTransaction(ctx, async (tx) => {
    const disclosureId = crypto.randomUUID();
    await appendAudit(tx, ctx, {
      orgId: actor.orgId, actor, action: "research.disclosed", target: { type: "research_disclosure", id: disclosureId },
      details: { recipient: input.recipient, purpose: input.purpose, conversations: ordered.length, messages: messageCount, sha256 },
    });
    for (const conv of ordered) {
      await appendAudit(tx, ctx, {
        orgId: actor.orgId, actor, action: "research.excerpt_disclosed", target: { type: "conversation", id: conv.id }, subjectId: conv.subjectId,
        details: { recipient: input.recipient, disclosureId },
      });
    }
  });
  return { fileName: `research-excerpts-${now.toISOString().slice(0, 10)}.json`, body, conversationCount: ordered.length, messageCount };
}
