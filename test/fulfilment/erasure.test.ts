import { insertSubject, subjectById } from "../../src/chats/subject-store.js";
import { expect } from "chai";
import { eq, inArray } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { buildApp } from "../../src/app.js";
import { conversationKey, readMessages } from "../../src/chats/conversation-store.js";
import { isIngestTombstoned } from "../../src/chats/ingest-tombstones.js";
import { conversations, conversationStatements, dataKeys, jobs, messages, notes, outbox, recipientTasks, requests, subjects } from "../../src/db/schema/index.js";
import { deliverOutbox, jobDefinitions } from "../../src/jobs.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { JobRunner } from "../../src/platform/jobs.js";
import { InjectedFault, type FulfilmentStep } from "../../src/fulfilment/faults.js";
import { scrubErasureNotices } from "../../src/fulfilment/jobs.js";
import { readResult } from "../../src/requests/result.js";
import { setLegalHold } from "../../src/fulfilment/legal-hold.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { actorOf, insertRequest, postForm, scan, snapshot, staffAgent, world, type World } from "./helpers.js";
import { openedOutbox } from "../support/outbox.js";

/** Everything of the subject that must be gone after an erasure of their whole history. */
function erasedNeedles(w: World): string[] {
  const s = w.secrets;
  return [s.name, s.email, s.subjectExt, ...s.messages, s.label, s.note, s.statement, ...s.convExt];
}

async function keyMaterial(ctx: TestContext, convIds: string[]) {
  const convs = await ctx.db.select().from(conversations).where(inArray(conversations.id, convIds));
  const out: string[] = [];
  for (const c of convs) {
    const [row] = await ctx.db.select().from(dataKeys).where(eq(dataKeys.id, c.dataKeyId!));
    const key = (await conversationKey(ctx.db, ctx.keys, c))!;
    out.push(row!.wrappedKey.toString("hex"), key.toString("hex"), key.toString("base64"));
  }
  return out;
}

/** Hex of every sealed value of the conversations: IP, message bodies and labels, notes, statements. */
async function ciphertextsOf(ctx: TestContext, convIds: string[]): Promise<string[]> {
  const hex = (b: Buffer | null) => (b ? [b.toString("hex")] : []);
  const convs = await ctx.db.select().from(conversations).where(inArray(conversations.id, convIds));
  const msgs = await ctx.db.select().from(messages).where(inArray(messages.conversationId, convIds));
  const ns = await ctx.db.select().from(notes).where(inArray(notes.conversationId, convIds));
  const st = await ctx.db.select().from(conversationStatements).where(inArray(conversationStatements.conversationId, convIds));
  return [...convs.flatMap((c) => hex(c.ipEnc)), ...msgs.flatMap((m) => [...hex(m.bodyEnc), ...hex(m.senderLabelEnc)]), ...ns.flatMap((n) => hex(n.bodyEnc)), ...st.flatMap((x) => hex(x.bodyEnc))];
}

describe("fulfilment: erasure", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;

  beforeEach(async () => {
    ctx = await freshContext();
    w = await world(ctx);
  });

  /** A review date this many days after the test clock's today (UTC, the world's organization). */
  const inDays = (n: number) => new Date(ctx.clock.now().getTime() + n * 86_400_000).toISOString().slice(0, 10);

  const confirmedErasure = () => insertRequest(ctx, w.org, {
    subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    details: { note: `Please delete everything ${w.tag}` },
  });

  it("leaves no plaintext and no key of the erased data in any table, only tombstones; the held conversation stays whole", async () => {
    const r = await confirmedErasure();
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reason: "child_protection_report", reviewOn: inDays(30) });
    const keys = await keyMaterial(ctx, [w.first.id, w.second.id]);
    const ciphertexts = await ciphertextsOf(ctx, [w.first.id, w.second.id]);
    expect(ciphertexts.length).to.equal(2 + 3 + 3 + 1 + 1); // IPs, message bodies, sender labels, note, statement
    // The scan sees the data before the erasure (content only as ciphertext, under a key that exists).
    const seen = await scan(ctx, [...erasedNeedles(w), ...keys, ...ciphertexts]);
    expect(seen).to.include.members([`data_keys: ${keys[0]}`, `messages: ${ciphertexts[2]}`]);
    // Issue 18: the profile is sealed under the subject's key even before any erasure.
    expect(seen).to.not.include.members([`subjects: ${w.secrets.email}`, `subjects: ${w.secrets.name}`]);

    const done = await fulfilRequest(ctx, { type: "system" }, w.org.id, r.id);
    expect(done.status).to.equal("completed");

    // The completion notice carries the address until delivered, but sealed under its row's own key (issue 18): no plaintext anywhere.
    const before = await scan(ctx, [...erasedNeedles(w), ...keys, ...ciphertexts]);
    expect(before).to.deep.equal([]);
    // The completion notice: counts and reasons, rights named, no link (the account is gone), no content.
    const [mail] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "fulfilment_completed")));
    expect(mail!.payload).to.deep.include({ kind: "erasure", conversationsErased: 2, profileErased: "yes", keptChildProtection: 1, keptPoliceReport: 0, recipients: 1 });
    expect(mail!.payload).to.not.have.property("requestUrl");
    expect(String(mail!.payload.authorityName)).to.include("Tietosuoja");
    await deliverOutbox(ctx);
    expect(await scrubErasureNotices(ctx)).to.equal(1);
    expect(await scan(ctx, [...erasedNeedles(w), ...keys, ...ciphertexts])).to.deep.equal([]);

    // Tombstones: date, topic and reference only.
    const tombs = await ctx.db.select().from(conversations).where(inArray(conversations.id, [w.first.id, w.second.id]));
    for (const t of tombs) {
      expect(t).to.deep.include({ erasedByReference: r.reference, subjectId: null, externalId: null, receiptCodeHash: null, ipEnc: null, dataKeyId: null, messageCount: 0 });
      expect(t.erasedAt).to.be.instanceOf(Date);
      expect(["Family", "School"]).to.include(t.topic);
    }
    expect(tombs.find((t) => t.id === w.first.id)!.startedAt.toISOString()).to.equal("2026-01-10T10:00:00.000Z");
    expect(await isIngestTombstoned(ctx.db, ctx.keys, w.org.id, "conversation", w.secrets.convExt[0]!)).to.equal(true);
    expect(await isIngestTombstoned(ctx.db, ctx.keys, w.org.id, "subject", w.secrets.subjectExt)).to.equal(true);
    expect(await ctx.db.select().from(subjects).where(eq(subjects.id, w.subject.id))).to.have.length(0);

    // Legal hold blocks: the held conversation keeps its content and key.
    const [held] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.held.id));
    expect(held!.erasedAt).to.equal(null);
    expect((await readMessages(ctx.db, ctx.keys, held!)).map((m) => m.body)).to.deep.equal([w.secrets.held]);
    // Someone else's conversation is untouched.
    const [foreign] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.foreign.id));
    expect((await readMessages(ctx.db, ctx.keys, foreign!)).length).to.equal(1);

    // Proof on the request.
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    const result = readResult(row!)!;
    expect(result.erasure!.counts).to.deep.equal({ messages: 3, notes: 1, statements: 1, conversations: 2, profile: 1 });
    expect([...result.erasure!.tombstones].sort()).to.deep.equal([w.first.id, w.second.id].sort());
    expect(result.kept).to.deep.equal([{ conversationId: w.held.id, startedAt: "2026-01-25T10:00:00.000Z", reason: "child_protection_report" }]);
    expect(result.erasure!).to.include({ approvedBy: w.dpo.id, confirmedBy: w.dpo2.id });
    expect(result.recipients.map((x) => x.name)).to.deep.equal(["Chat Platform Oy"]);
    expect(row!.completedAt).to.be.instanceOf(Date);
    expect(await ctx.db.select().from(recipientTasks).where(eq(recipientTasks.requestId, r.id))).to.have.length(1);

    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("four-eyes: without a second, different DPO nothing is erased", async () => {
    const unconfirmed = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "approved", erasureApprovedBy: w.dpo.id });
    const sameTwice = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo.id });
    const before = await snapshot(ctx);
    for (const r of [unconfirmed, sameTwice]) {
      const err = await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id).catch((e: unknown) => e);
      expect((err as { status?: number }).status).to.equal(403);
    }
    expect(await snapshot(ctx)).to.deep.equal(before);
  });

  it("through the staff pages: approve, see the hold, confirm by a second DPO, the job erases; the first DPO cannot carry it out alone", async () => {
    const app = buildApp(ctx);
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "in_review" });
    const a = await staffAgent(ctx, app, w, w.dpo.id);
    expect((await postForm(a, `/staff/requests/${r.id}/approve`, { message: "", confirm: "yes" })).status).to.equal(303);
    expect((await postForm(a, `/staff/requests/${r.id}/conversations/${w.held.id}/legal-hold`, { reason: "police_report", reviewOn: inDays(30) })).status).to.equal(303);
    expect((await postForm(a, `/staff/requests/${r.id}/fulfil`, {})).status).to.equal(403);
    expect(await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `fulfilment:${r.id}`))).to.have.length(0);

    const b = await staffAgent(ctx, app, w, w.dpo2.id);
    const page = await b.get(`/staff/requests/${r.id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('id="fulfilment"').and.include("A police report was made").and.include("1 conversation in scope is on legal hold");
    expect((await postForm(b, `/staff/requests/${r.id}/confirm-erasure`, { confirm: "yes" })).status).to.equal(303);
    const [queued] = await ctx.db.select().from(jobs).where(eq(jobs.uniqueKey, `fulfilment:${r.id}`));
    expect(queued!.status).to.equal("queued");

    await new JobRunner(ctx, jobDefinitions()).drain();
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("completed");
    expect(readResult(row!)!.kept[0]!.reason).to.equal("police_report");
    const after = await b.get(`/staff/requests/${r.id}`);
    expect(after.text).to.include("Proof of fulfilment").and.include(w.first.id);
    // Running the job again (a retry after an unknown outcome) changes nothing.
    const snap = await snapshot(ctx);
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id).catch(() => undefined);
    expect(await snapshot(ctx)).to.deep.equal(snap);
  });

  const steps: FulfilmentStep[] = ["started", "conversations", "recipients", "notice", "exports", "profile", "completed"];
  it(`a crash after any step (${steps.join(", ")}) leaves every table exactly as before; the retry completes`, async () => {
    const r = await confirmedErasure();
    await setLegalHold(ctx, actorOf(w.dpo), r.id, w.held.id, { reason: "police_report", reviewOn: inDays(30) });
    const before = await snapshot(ctx);
    for (const step of steps) {
      const err = await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id, { faultAfter: step }).catch((e: unknown) => e);
      expect(err, step).to.be.instanceOf(InjectedFault);
      expect(await snapshot(ctx), `state after a crash at ${step}`).to.deep.equal(before);
    }
    const done = await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id);
    expect(done.status).to.equal("completed");
    expect(readResult(done)!.erasure!.counts.messages).to.equal(3);
    expect(await scan(ctx, [...w.secrets.messages, w.secrets.note, w.secrets.statement])).to.deep.equal([]);
  });

  it("erases only the chosen conversations and keeps the profile; the requester's page says what was done", async () => {
    const r = await insertRequest(ctx, w.org, {
      subjectId: w.subject.id, type: "erasure", scope: "chosen_conversations", conversationIds: [w.second.id], status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id,
    });
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id);
    expect(await scan(ctx, [w.secrets.messages[2]!])).to.deep.equal([]);
    expect(await scan(ctx, [w.secrets.messages[0]!])).to.deep.equal([]); // still encrypted, never plaintext
    const [first] = await ctx.db.select().from(conversations).where(eq(conversations.id, w.first.id));
    expect((await readMessages(ctx.db, ctx.keys, first!)).length).to.equal(2);
    expect((await subjectById(ctx.db, ctx.keys, w.subject.id))!.email).to.equal(w.secrets.email);
    const [mail] = await openedOutbox(ctx, ctx.db.select().from(outbox).where(eq(outbox.template, "fulfilment_completed")));
    expect(mail!.payload).to.include({ profileErased: "no", conversationsErased: 1 });
    expect(String(mail!.payload.requestUrl)).to.include(`/requests/${r.reference}`);

    const app = buildApp(ctx);
    const { signedInAgent } = await import("../support/http.js");
    const requester = await signedInAgent(ctx, app, { orgId: w.org.id, subjectId: w.subject.id, email: w.secrets.email, host: `${w.org.slug}.test` });
    const page = await requester.get(`/requests/${r.reference}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include("What we did").and.include("We deleted 1 conversation with 1 message.").and.include("Chat Platform Oy");
  });
});
