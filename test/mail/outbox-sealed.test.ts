import { expect } from "chai";
import { eq, sql } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";
import { openedOutbox } from "../support/outbox.js";
import { SmtpPeer } from "./helpers.js";
import { actorOf, insertRequest, world } from "../fulfilment/helpers.js";
import { rowsOf } from "../../src/db/client.js";
import { outbox, requests } from "../../src/db/schema/index.js";
import { readResult } from "../../src/requests/result.js";
import { deliverOutbox } from "../../src/jobs.js";
import { queueMail } from "../../src/mail/queue-mail.js";
import { sealExistingOutboxRows } from "../../src/mail/seal-existing-outbox.js";
import { scrubErasureNotices } from "../../src/fulfilment/jobs.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { createMailTransport } from "../../src/platform/mail-transport.js";
import { openOutboxRow } from "../../src/platform/outbox.js";
import { keyOfSubject } from "../../src/platform/subject-keys.js";

/** Every outbox row as PostgreSQL prints it (bytea as hex), lower-cased. */
async function rawOutbox(ctx: TestContext): Promise<string> {
  return rowsOf<{ row: string }>(await ctx.db.execute(sql`select t::text as row from outbox t`)).map((r) => r.row.toLowerCase()).join("\n");
}

/** Where a value shows in the raw table: as text, or as the hex of its bytes. */
function leaks(raw: string, values: string[]): string[] {
  return values.filter((v) => raw.includes(v.toLowerCase()) || raw.includes(Buffer.from(v, "utf8").toString("hex")));
}

const waiting = (reference: string) => ({ reference, requestUrl: `http://localhost/requests/${reference}`, orgName: "Sealed Helpline" });

describe("mail: the outbox's recipient and payload are sealed", () => {
  let ctx: TestContext;
  let peer: SmtpPeer;
  let transport: ReturnType<typeof createMailTransport>;

  beforeEach(async () => {
    peer = new SmtpPeer();
    await peer.start();
    transport = createMailTransport({ smtpUrl: peer.url, dataDir: "/nonexistent" });
    ctx = await freshContext({ mail: transport });
  });

  afterEach(async () => {
    await peer.stop();
    transport.close();
  });

  it("stores no address and no payload text (as text or hex), and still delivers to a real SMTP server", async () => {
    const org = await makeOrg(ctx);
    const subject = await makeSubject(ctx, org.id, { email: "requester-sealed@example.test" });
    await ctx.db.transaction(async (tx) => {
      await queueMail(tx, ctx, { orgId: org.id, to: "requester-sealed@example.test", subjectId: subject.id, template: "message_waiting", locale: "en", data: waiting("RD-SEALED-0001") });
      await queueMail(tx, ctx, { orgId: org.id, to: "dpo-sealed@example.test", template: "message_waiting", locale: "en", data: waiting("RD-SEALED-0002") });
    });
    const secrets = ["requester-sealed@example.test", "dpo-sealed@example.test", "RD-SEALED-0001", "RD-SEALED-0002", "Sealed Helpline"];
    expect(leaks(await rawOutbox(ctx), secrets)).to.deep.equal([]);
    // The requester's mail is under their key; the staff mail under a key of its own row.
    const stored = await ctx.db.select().from(outbox).orderBy(outbox.createdAt);
    const key = await keyOfSubject(ctx.db, ctx.keys, subject.id);
    expect(stored.map((r) => `${r.subjectKeyId ?? "own key"}:${r.keyWrapped ? "wrapped" : "none"}`).sort()).to.deep.equal([`${key!.id}:none`, "own key:wrapped"].sort());

    expect(await deliverOutbox(ctx)).to.deep.include({ sent: 2, failed: 0 });
    expect(peer.received.map((m) => m.to[0]).sort()).to.deep.equal(["dpo-sealed@example.test", "requester-sealed@example.test"]);
    expect(peer.received.find((m) => m.to[0] === "requester-sealed@example.test")!.raw).to.include("RD-SEALED-0001");
    // Delivered: the payload is gone, the sealed address kept for the delivery record.
    const sent = await openedOutbox(ctx, ctx.db.select().from(outbox));
    expect(sent.map((r) => [r.status, r.payload])).to.deep.equal([["sent", {}], ["sent", {}]]);
    expect(leaks(await rawOutbox(ctx), secrets)).to.deep.equal([]);
  });

  it("after erasure the subject's rows are unreadable: pending mail cancelled, sent mail shredded, the final notice delivered and then shredded", async () => {
    const w = await world(ctx);
    await queueMail(ctx.db, ctx, { orgId: w.org.id, to: w.secrets.email, subjectId: w.subject.id, template: "message_waiting", locale: "en", data: waiting("RD-ERASE-SENT"), dedupeKey: "sent-before" });
    await deliverOutbox(ctx);
    await queueMail(ctx.db, ctx, { orgId: w.org.id, to: w.secrets.email, subjectId: w.subject.id, template: "message_waiting", locale: "en", data: waiting("RD-ERASE-PENDING"), dedupeKey: "pending" });
    const [sentBefore] = await ctx.db.select().from(outbox).where(eq(outbox.dedupeKey, "sent-before"));
    expect(await openOutboxRow(ctx.db, ctx.keys, sentBefore!)).to.have.property("recipient", w.secrets.email);

    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "erasure", scope: "all_conversations", status: "approved", erasureApprovedBy: w.dpo.id, erasureConfirmedBy: w.dpo2.id });
    await fulfilRequest(ctx, actorOf(w.dpo2), w.org.id, r.id);
    // The proof of erasure counts them.
    const [done] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(readResult(done!)!.erasure!.shredded).to.include({ outbox_cancelled: 1, outbox_shredded: 1 });

    expect(await ctx.db.select().from(outbox).where(eq(outbox.dedupeKey, "pending"))).to.deep.equal([]);
    const [sentAfter] = await ctx.db.select().from(outbox).where(eq(outbox.dedupeKey, "sent-before"));
    expect(sentAfter!.subjectKeyId).to.equal(null);
    expect(sentAfter!.recipientEnc).to.not.equal(null); // the ciphertext is still there: only its key is gone
    expect(await openOutboxRow(ctx.db, ctx.keys, sentAfter!)).to.equal(null);
    // Mail queued for them afterwards is not queued at all.
    expect(await queueMail(ctx.db, ctx, { orgId: w.org.id, to: w.secrets.email, subjectId: w.subject.id, template: "message_waiting", locale: "en", data: waiting("RD-ERASE-LATE") })).to.equal(false);

    // The final notice still reaches them, then its row's key goes too.
    peer.received.length = 0;
    expect(await deliverOutbox(ctx)).to.deep.include({ sent: 1, failed: 0 });
    expect(peer.received.map((m) => m.to[0])).to.deep.equal([w.secrets.email]);
    expect(await scrubErasureNotices(ctx)).to.equal(1);
    for (const row of await ctx.db.select().from(outbox)) expect(await openOutboxRow(ctx.db, ctx.keys, row), row.template).to.equal(null);
    expect(leaks(await rawOutbox(ctx), [w.secrets.email, "RD-ERASE-SENT", "RD-ERASE-PENDING"])).to.deep.equal([]);
  });

  it("the data migration seals plaintext rows in place (a requester's under their key) and drops the plaintext columns", async () => {
    const org = await makeOrg(ctx);
    const subject = await makeSubject(ctx, org.id, { email: "legacy-requester@example.test" });
    // The columns as migration 0016 leaves them until the data migration runs, with plaintext in them.
    await ctx.db.execute(sql.raw(`alter table outbox add column if not exists recipient text, add column if not exists payload jsonb`));
    for (const [to, reference] of [["Legacy-Requester@example.test", "RD-LEGACY-0001"], ["legacy-staff@example.test", "RD-LEGACY-0002"]] as const) {
      await ctx.db.execute(sql`insert into outbox (org_id, kind, recipient, template, locale, payload, message_id, next_attempt_at)
        values (${org.id}, 'email', ${to}, 'message_waiting', 'en', ${JSON.stringify(waiting(reference))}::jsonb, ${`<legacy-${reference.slice(-1)}@rightsdesk>`}, ${ctx.clock.now().toISOString()}::timestamptz)`);
    }
    const secrets = ["legacy-requester@example.test", "legacy-staff@example.test", "RD-LEGACY-0001", "RD-LEGACY-0002"];
    expect(leaks(await rawOutbox(ctx), secrets)).to.have.length(4);

    await ctx.db.transaction((tx) => sealExistingOutboxRows(ctx, tx));

    expect(leaks(await rawOutbox(ctx), secrets)).to.deep.equal([]);
    const columns = rowsOf<{ column_name: string }>(await ctx.db.execute(sql`select column_name from information_schema.columns where table_name = 'outbox'`)).map((c) => c.column_name);
    expect(columns).to.not.include.members(["recipient", "payload"]);
    const opened = await openedOutbox(ctx, ctx.db.select().from(outbox).orderBy(outbox.messageId));
    const key = await keyOfSubject(ctx.db, ctx.keys, subject.id);
    expect(opened.map((r) => [r.recipient, r.payload.reference, r.subjectKeyId])).to.deep.equal([
      ["Legacy-Requester@example.test", "RD-LEGACY-0001", key!.id],
      ["legacy-staff@example.test", "RD-LEGACY-0002", null],
    ]);
    expect(await deliverOutbox(ctx)).to.deep.include({ sent: 2, failed: 0 });
  });
});
