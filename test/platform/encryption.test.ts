import { expect } from "chai";
import { sql } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg } from "../support/factories.js";
import { readMessages, readNotes, conversationKey } from "../../src/chats/conversation-store.js";
import { conversations, dataKeys } from "../../src/db/schema/index.js";
import { eq } from "drizzle-orm";

describe("encryption at rest", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  const secrets = ["Minua lyödään kotona, älä kerro kenellekään", "Ik wil aangifte doen van bedreiging", "Mitt hemliga meddelande åäö"];

  it("stores no plaintext of messages, labels, notes or IPs in any table", async () => {
    const org = await makeOrg(ctx);
    const conv = await makeConversation(ctx, org.id, {
      messages: secrets.map((body) => ({ body, senderLabel: "Counsellor Kirsikka" })),
      note: "Confidential note about Kirsikka's client",
    });
    // Dump every column of every table as text, the way an attacker with the database would.
    const tables = (await ctx.db.execute<{ tablename: string }>(sql`select tablename from pg_tables where schemaname = 'public'`)) as unknown as { rows: { tablename: string }[] };
    let dump = "";
    for (const { tablename } of tables.rows) {
      const rows = (await ctx.db.execute(sql.raw(`select t::text as row from "${tablename}" t`))) as unknown as { rows: { row: string }[] };
      dump += rows.rows.map((r) => r.row).join("\n");
    }
    expect(dump.length).to.be.greaterThan(100);
    for (const secret of [...secrets, "Kirsikka", "192.0.2.44", "Confidential note"]) {
      expect(dump, secret).not.to.include(secret);
      // bytea is dumped as hex: check the hex form of the plaintext too
      expect(dump, `${secret} (hex)`).not.to.include(Buffer.from(secret).toString("hex"));
    }
    // …and the store reads it all back.
    const read = await readMessages(ctx.db, ctx.keys, conv);
    expect(read.map((m) => m.body)).to.deep.equal(secrets);
    expect((await readNotes(ctx.db, ctx.keys, conv))[0]!.body).to.equal("Confidential note about Kirsikka's client");
  });

  it("makes content unreadable once the conversation's data key is destroyed", async () => {
    const org = await makeOrg(ctx);
    const conv = await makeConversation(ctx, org.id, { messages: [{ body: "secret" }] });
    expect(await conversationKey(ctx.db, ctx.keys, conv)).to.be.instanceOf(Buffer);
    await ctx.db.delete(dataKeys).where(eq(dataKeys.id, conv.dataKeyId!));
    const [after] = await ctx.db.select().from(conversations).where(eq(conversations.id, conv.id));
    let failed = false;
    try {
      await readMessages(ctx.db, ctx.keys, after!);
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
  });

  it("refuses a ciphertext moved to another conversation (bound by associated data)", async () => {
    const org = await makeOrg(ctx);
    const a = await makeConversation(ctx, org.id, { messages: [{ body: "from A" }] });
    const b = await makeConversation(ctx, org.id, { messages: [{ body: "from B" }] });
    await ctx.db.execute(sql`update data_keys set wrapped_key = (select wrapped_key from data_keys where id = ${a.dataKeyId}) where id = ${b.dataKeyId}`);
    await ctx.db.execute(sql`update messages set body_enc = (select body_enc from messages where conversation_id = ${a.id} limit 1) where conversation_id = ${b.id}`);
    let failed = false;
    try {
      await readMessages(ctx.db, ctx.keys, b);
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
  });
});
