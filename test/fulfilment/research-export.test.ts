import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { signedInAgent, csrfFrom } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { addNote, appendMessages, createConversation } from "../../src/chats/conversation-store.js";
import { auditLog, conversations, retentionPolicies } from "../../src/db/schema/index.js";
import { insertSubject, subjectById } from "../../src/chats/subject-store.js";
import { loadCorpus, type CorpusConversation } from "../fixtures/redaction/corpus-types.js";
import { RESEARCH_FORMAT } from "../../src/fulfilment/export-research.js";

const DAY = 86_400_000;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Whether `needle` stands in `haystack` as a word of its own (case-insensitive): "Tom" in "tomorrow" does not count. */
const survives = (haystack: string, needle: string) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(needle)}(?![\\p{L}\\p{N}])`, "iu").test(haystack);

/** Every identifier of a corpus conversation: its labelled entities (names word by word), the requester's own, the counsellors. */
function identifiers(c: CorpusConversation): string[] {
  const labelled = c.messages.flatMap((m) =>
    m.entities.flatMap((e) => {
      const text = m.text.slice(e.start, e.end);
      return e.kind === "person" ? [text, ...text.split(/\s+/).filter((w) => w.length >= 3 && !["van", "der", "den", "de"].includes(w.toLowerCase()))] : [text];
    }),
  );
  return [...labelled, ...c.requester.names, ...c.requester.emails, ...c.requester.phones, ...c.requester.nationalIds, ...c.others.map((o) => o.name)];
}

describe("fulfilment: research excerpts", function () {
  this.timeout(300_000);
  let ctx: TestContext;
  let exported: string;
  let json: { format: string; recipient: string; excerpts: { month: string; messages: { from: string; text: string }[] }[] };
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let app: ReturnType<typeof buildApp>;
  const corpus = loadCorpus();
  const excluded = {
    objected: "Objected chat line: the moon is made of cheese",
    personObjected: "Person objected line: purple elephants dance",
    restricted: "Restricted chat line: seven silver spoons",
    held: "Legal hold chat line: a police matter",
    old: "Old chat line: past its retention period",
  };
  let exportedSubjectId: string;
  let objectingSubjectId: string;

  before(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx, { slug: "research" });
    await ctx.db.update(retentionPolicies).set({ periodDays: 730, basis: "created" }).where(and(eq(retentionPolicies.orgId, org.id), eq(retentionPolicies.category, "conversations")));
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const now = ctx.clock.now().getTime();
    const emails = new Set<string>();
    for (const [i, c] of corpus.entries()) {
      const email = c.requester.emails[0] && !emails.has(c.requester.emails[0]) ? c.requester.emails[0] : `corpus-${i}@example.test`;
      emails.add(email);
      const subject = await insertSubject(ctx.db, ctx.keys, { orgId: org.id, displayName: c.requester.names[0]!, email, locale: c.language });
      if (i === 0) exportedSubjectId = subject!.id;
      const startedAt = new Date(now - (30 + (i % 200)) * DAY);
      const conv = await createConversation(ctx.db, ctx.keys, { orgId: org.id, subjectId: subject!.id, topic: "Chat", language: c.language, startedAt, ip: "198.51.100.23" });
      const counsellor = c.others.find((o) => o.role === "counsellor")?.name ?? "Counsellor";
      const chat = c.messages.filter((m) => m.sender !== "note");
      await appendMessages(ctx.db, ctx.keys, conv, chat.map((m, k) => ({
        senderRole: m.sender === "worker" ? "worker" as const : "subject" as const,
        senderLabel: m.sender === "worker" ? counsellor : c.requester.names[0]!.split(" ")[0]!,
        body: m.text, sentAt: new Date(startedAt.getTime() + k * 60_000),
      })));
      for (const n of c.messages.filter((m) => m.sender === "note")) await addNote(ctx.db, ctx.keys, conv, n.text);
    }
    // Chats that must never reach a researcher.
    const someone = await makeSubject(ctx, org.id);
    const objecting = await makeSubject(ctx, org.id, { researchObjectionAt: ctx.clock.now() });
    objectingSubjectId = objecting.id;
    const recent = new Date(now - 10 * DAY);
    const add = async (body: string, opts: { subjectId: string; startedAt?: Date; set?: Partial<typeof conversations.$inferInsert> }) => {
      const conv = await createConversation(ctx.db, ctx.keys, { orgId: org.id, subjectId: opts.subjectId, startedAt: opts.startedAt ?? recent, language: "en" });
      await appendMessages(ctx.db, ctx.keys, conv, [{ senderRole: "subject", senderLabel: "Me", body, sentAt: recent }]);
      if (opts.set) await ctx.db.update(conversations).set(opts.set).where(eq(conversations.id, conv.id));
    };
    await add(excluded.objected, { subjectId: someone.id, set: { researchObjectionAt: ctx.clock.now() } });
    await add(excluded.personObjected, { subjectId: objecting.id });
    await add(excluded.restricted, { subjectId: someone.id, set: { restrictedAt: ctx.clock.now() } });
    await add(excluded.held, { subjectId: someone.id, set: { legalHoldAt: ctx.clock.now(), legalHoldReason: "police_report" } });
    await add(excluded.old, { subjectId: someone.id, startedAt: new Date(now - 1000 * DAY) });

    app = buildApp(ctx);
    const agent = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
    const token = await csrfFrom(agent, "/staff/research");
    const res = await agent.post("/staff/research").type("form").send({ recipient: "University of Tampere, online bullying study", purpose: "Themes of bullying in young people's chats", _csrf: token });
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    expect(res.headers["content-disposition"]).to.match(/attachment; filename="research-excerpts-/);
    exported = res.text;
    json = JSON.parse(exported);
  });

  it("holds every eligible chat and none that was objected to, restricted, held or past its retention", () => {
    expect(json.format).to.equal(RESEARCH_FORMAT);
    expect(json.excerpts).to.have.length(corpus.length);
    for (const line of Object.values(excluded)) expect(exported).to.not.include(line.split(":")[1]!.trim());
  });

  it("no identifier of the corpus survives: labelled entities, the requester's own details, counsellors' names", () => {
    const text = json.excerpts.flatMap((e) => e.messages.map((m) => m.text)).join("\n");
    const left = corpus.flatMap((c) => identifiers(c).filter((id) => survives(text, id)).map((id) => `${c.id}: ${id}`));
    expect(left, left.join("\n")).to.deep.equal([]);
    expect(text).to.include("[counsellor]");
    expect(exported, "no IP address").to.not.include("198.51.100.23");
    expect(exported, "dates only by month").to.not.match(/\d{4}-\d{2}-\d{2}/);
    expect(json.excerpts.every((e) => /^\d{4}-\d{2}$/.test(e.month))).to.equal(true);
    expect(json.excerpts.flatMap((e) => e.messages.map((m) => m.from)).every((f) => ["chatter", "counsellor", "participant", "system"].includes(f))).to.equal(true);
    // Counsellors' notes never go to a researcher.
    const notes = corpus.flatMap((c) => c.messages.filter((m) => m.sender === "note").map((m) => m.text));
    for (const n of notes.slice(0, 20)) expect(exported).to.not.include(n);
  });

  it("is recorded as a disclosure to the recipient and shown on \"Who has seen my data\"", async () => {
    const [summary] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "research.disclosed"));
    expect(summary!.details).to.deep.include({ recipient: "University of Tampere, online bullying study", conversations: corpus.length });
    const perChat = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "research.excerpt_disclosed"));
    expect(perChat).to.have.length(corpus.length);
    const s = await subjectById(ctx.db, ctx.keys, exportedSubjectId);
    const requester = await signedInAgent(ctx, app, { orgId: org.id, subjectId: s!.id, email: s!.email, host: `${org.slug}.test` });
    const page = await requester.get("/my-data/who-has-seen");
    expect(page.status).to.equal(200);
    expect(page.text).to.include("Used for research, with identifying details removed");
    expect(page.text).to.include("University of Tampere, online bullying study");
    const objector = await signedInAgent(ctx, app, { orgId: org.id, subjectId: objectingSubjectId, email: null, host: `${org.slug}.test` });
    expect((await objector.get("/my-data/who-has-seen")).text).to.not.include("Used for research");
  });
});
