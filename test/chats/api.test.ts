import { insertSubject, subjectByExternalId, subjectById } from "../../src/chats/subject-store.js";
import { expect } from "chai";
import express from "express";
import request from "supertest";
import { and, eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeStaff } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { apiTokens, auditLog, conversations, dataKeys, messages, notes, subjects } from "../../src/db/schema/index.js";
import { createApiToken } from "../../src/chats/create-api-token.js";
import { revokeApiToken } from "../../src/chats/revoke-api-token.js";
import { hashApiToken } from "../../src/chats/api-tokens.js";
import { chatsApiRouter } from "../../src/chats/api-routes.js";
import { findConversation } from "../../src/chats/ingest.js";
import { readIp, readMessages, readNotes } from "../../src/chats/conversation-store.js";
import { errorHandler } from "../../src/platform/http/error-handler.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { ForbiddenError } from "../../src/platform/errors.js";
import { hashReceiptCode } from "../../src/platform/codes.js";
import { count, orgWithToken } from "./helpers.js";

const conversationBody = (over: Record<string, unknown> = {}) => ({
  subjectExternalId: "acct-1",
  receiptCodeHash: hashReceiptCode("7K3Q-M9XA-2BCD-EF45"),
  topic: "Exam stress",
  language: "en",
  startedAt: "2026-02-20T18:00:00Z",
  endedAt: "2026-02-20T20:40:00+02:00",
  ip: "203.0.113.57",
  ...over,
});

const someMessages = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    externalId: `m-${from + i}`,
    senderRole: i % 2 ? "worker" : "subject",
    senderLabel: i % 2 ? "Counsellor Kim" : "anon-fox",
    body: `secret message body number ${from + i}`,
    sentAt: new Date(Date.UTC(2026, 1, 20, 18, 0, from + i)).toISOString(),
  }));

describe("chats: ingest API (/api/v1)", () => {
  let ctx: TestContext;
  let app: express.Express;
  let a: Awaited<ReturnType<typeof orgWithToken>>;
  let b: Awaited<ReturnType<typeof orgWithToken>>;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeEach(async () => {
    ctx = await freshContext();
    a = await orgWithToken(ctx);
    b = await orgWithToken(ctx);
    app = buildApp(ctx);
  });

  async function seedConversation(token = a.token, ext = "conv-1") {
    await request(app).put("/api/v1/subjects/acct-1").set(auth(token)).send({ email: "Person@Example.test", displayName: "Fox", locale: "en" }).expect(201);
    await request(app).put(`/api/v1/conversations/${ext}`).set(auth(token)).send(conversationBody()).expect(201);
  }

  describe("tokens", () => {
    it("are shown once, stored only as a hash, audited, and admin-only", async () => {
      expect(a.token).to.match(/^rdk_[A-Za-z0-9_-]{43}$/);
      const [row] = await ctx.db.select().from(apiTokens).where(eq(apiTokens.id, a.tokenId));
      expect(row!.tokenHash).to.equal(hashApiToken(a.token)).and.not.include(a.token.slice(4));
      expect(row!.scopes).to.deep.equal(["ingest"]);
      const [entry] = await ctx.db.select().from(auditLog).where(and(eq(auditLog.action, "api_token.created"), eq(auditLog.targetId, a.tokenId)));
      expect(JSON.stringify(entry!.details)).not.to.include(a.token.slice(4, 20));

      const reviewer = await makeStaff(ctx, a.org.id, "reviewer");
      const asReviewer = { type: "staff" as const, id: reviewer.id, role: "reviewer" };
      const err1 = await createApiToken(ctx, asReviewer, { orgId: a.org.id, name: "x", scopes: ["ingest"] }).catch((e: unknown) => e);
      expect(err1).to.be.instanceOf(ForbiddenError);
      // An admin of another organization cannot mint tokens here.
      const err2 = await createApiToken(ctx, b.actor, { orgId: a.org.id, name: "x", scopes: ["ingest"] }).catch((e: unknown) => e);
      expect(err2).to.be.instanceOf(ForbiddenError);
      const err3 = await revokeApiToken(ctx, b.actor, { orgId: a.org.id, tokenId: a.tokenId }).catch((e: unknown) => e);
      expect(err3).to.be.instanceOf(ForbiddenError);
    });

    it("answers 401 problem+json to a missing, malformed, unknown or revoked token", async () => {
      const path = "/api/v1/subjects/acct-1";
      const body = { email: "x@example.test" };
      for (const header of [undefined, "Bearer", "Bearer nope", `Basic ${a.token}`, `Bearer rdk_${"A".repeat(43)}`, `Bearer ${a.token}x`]) {
        const req = request(app).put(path).send(body);
        const res = await (header ? req.set("Authorization", header) : req).expect(401);
        expect(res.headers["content-type"]).to.include("application/problem+json");
        expect(res.headers["www-authenticate"]).to.include("Bearer");
        expect(res.body).to.include({ status: 401, type: "https://rightsdesk.invalid/problems/unauthenticated" });
      }
      await request(app).put(path).set(auth(a.token)).send(body).expect(201);

      await revokeApiToken(ctx, a.actor, { orgId: a.org.id, tokenId: a.tokenId });
      const res = await request(app).put(path).set(auth(a.token)).send(body).expect(401);
      expect(res.headers["www-authenticate"]).to.include('error="invalid_token"');
      expect(await count(ctx, "audit_log", "action = 'api_token.revoked'")).to.equal(1);
      // Revoking again changes nothing; the other organization's token still works.
      await revokeApiToken(ctx, a.actor, { orgId: a.org.id, tokenId: a.tokenId });
      expect(await count(ctx, "audit_log", "action = 'api_token.revoked'")).to.equal(1);
      await request(app).put(path).set(auth(b.token)).send(body).expect(201);
    });

    it("answers 403 to a token without the ingest scope", async () => {
      const token = `rdk_${"b".repeat(43)}`;
      await ctx.db.insert(apiTokens).values({ orgId: a.org.id, name: "read only", tokenHash: hashApiToken(token), scopes: ["read"] });
      const res = await request(app).put("/api/v1/subjects/s").set(auth(token)).send({}).expect(403);
      expect(res.headers["www-authenticate"]).to.include("insufficient_scope");
    });

    it("records when a token was last used", async () => {
      await request(app).put("/api/v1/subjects/s").set(auth(a.token)).send({}).expect(201);
      const [row] = await ctx.db.select().from(apiTokens).where(eq(apiTokens.id, a.tokenId));
      expect(row!.lastUsedAt?.toISOString()).to.equal(ctx.clock.now().toISOString());
    });
  });

  describe("subjects", () => {
    it("creates (201), replays unchanged (200, same body), and replaces (200)", async () => {
      const body = { email: "Person@Example.test", displayName: "Fox", locale: "fi" };
      const first = await request(app).put("/api/v1/subjects/acct-1").set(auth(a.token)).send(body).expect(201);
      expect(first.body).to.deep.equal({ externalId: "acct-1", email: "person@example.test", displayName: "Fox", locale: "fi" });
      const replay = await request(app).put("/api/v1/subjects/acct-1").set(auth(a.token)).send(body).expect(200);
      expect(replay.body).to.deep.equal(first.body);
      expect(await count(ctx, "subjects")).to.equal(1);

      const changed = await request(app).put("/api/v1/subjects/acct-1").set(auth(a.token)).send({ email: "person@example.test" }).expect(200);
      expect(changed.body).to.deep.equal({ externalId: "acct-1", email: "person@example.test", displayName: null, locale: null });
    });

    it("adopts a portal-only subject with the same e-mail, and refuses one held by another account", async () => {
      const portal = await insertSubject(ctx.db, ctx.keys, { orgId: a.org.id, email: "kid@example.test" });
      await request(app).put("/api/v1/subjects/acct-9").set(auth(a.token)).send({ email: "KID@example.test" }).expect(201);
      const adopted = await subjectById(ctx.db, ctx.keys, portal.id);
      expect(adopted!.externalId).to.equal("acct-9");
      const res = await request(app).put("/api/v1/subjects/acct-10").set(auth(a.token)).send({ email: "kid@example.test" }).expect(409);
      expect(res.body).to.include({ type: "https://rightsdesk.invalid/problems/email_taken", status: 409 });
      expect(res.body.detail).to.be.a("string");
    });

    it("refuses unknown fields (no passwords are pushed) and bad values, naming each field", async () => {
      const res = await request(app)
        .put("/api/v1/subjects/acct-1")
        .set(auth(a.token))
        .send({ email: "not-an-address", passwordHash: "$argon2id$…", locale: "Finnish" })
        .expect(422);
      expect(res.headers["content-type"]).to.include("application/problem+json");
      const pointers = (res.body.errors as { pointer: string; detail: string }[]).map((e) => e.pointer).sort();
      expect(pointers).to.deep.equal(["email", "locale", "passwordHash"]);
      expect(res.body.errors.find((e: { pointer: string }) => e.pointer === "passwordHash").detail).to.equal("Unknown field: remove it");
      const badId = await request(app).put("/api/v1/subjects/has%20space").set(auth(a.token)).send({}).expect(422);
      expect(badId.body.errors[0].pointer).to.equal("externalId");
      expect(await count(ctx, "subjects")).to.equal(0);
    });
  });

  describe("conversations", () => {
    it("creates and replays idempotently; the IP is stored encrypted", async () => {
      await request(app).put("/api/v1/subjects/acct-1").set(auth(a.token)).send({ email: "p@example.test" }).expect(201);
      const first = await request(app).put("/api/v1/conversations/conv-1").set(auth(a.token)).send(conversationBody()).expect(201);
      expect(first.body).to.deep.equal({
        externalId: "conv-1", subjectExternalId: "acct-1", receiptCodeHash: hashReceiptCode("7K3Q-M9XA-2BCD-EF45"), topic: "Exam stress",
        language: "en", startedAt: "2026-02-20T18:00:00.000Z", endedAt: "2026-02-20T18:40:00.000Z", hasIp: true, researchObjection: false,
      });
      const replay = await request(app).put("/api/v1/conversations/conv-1").set(auth(a.token)).send(conversationBody()).expect(200);
      expect(replay.body).to.deep.equal(first.body);
      expect(await count(ctx, "conversations")).to.equal(1);
      expect(await count(ctx, "audit_log", "action = 'chats.ingest.conversation'")).to.equal(2);

      const conv = (await findConversation(ctx.db, a.org.id, "conv-1"))!;
      expect(conv.ipEnc!.toString("latin1")).not.to.include("203.0.113.57");
      expect(await readIp(ctx.db, ctx.keys, conv)).to.equal("203.0.113.57");

      const moved = await request(app).put("/api/v1/conversations/conv-1").set(auth(a.token)).send(conversationBody({ subjectExternalId: null, ip: "2001:db8::5", topic: "Sleep" })).expect(200);
      expect(moved.body).to.include({ subjectExternalId: null, topic: "Sleep" });
      expect(await readIp(ctx.db, ctx.keys, (await findConversation(ctx.db, a.org.id, "conv-1"))!)).to.equal("2001:db8::5");
    });

    it("names the fields of a bad payload", async () => {
      const res = await request(app)
        .put("/api/v1/conversations/conv-1")
        .set(auth(a.token))
        .send({ receiptCodeHash: "ABC", startedAt: "yesterday", ip: "300.1.1.1", topic: 5 })
        .expect(422);
      const pointers = (res.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
      expect(pointers).to.deep.equal(["ip", "receiptCodeHash", "startedAt", "topic"]);

      const unknown = await request(app).put("/api/v1/conversations/conv-1").set(auth(a.token)).send(conversationBody({ subjectExternalId: "nobody" })).expect(422);
      expect(unknown.body.errors).to.deep.equal([{ pointer: "subjectExternalId", detail: "No subject with this id: PUT the subject first" }]);

      const backwards = await request(app).put("/api/v1/conversations/conv-1").set(auth(a.token))
        .send(conversationBody({ subjectExternalId: null, endedAt: "2026-02-20T17:00:00Z" })).expect(422);
      expect(backwards.body.errors[0].pointer).to.equal("endedAt");

      const notJson = await request(app).put("/api/v1/conversations/conv-1").set(auth(a.token)).set("Content-Type", "application/json").send("{nope").expect(400);
      expect(notJson.headers["content-type"]).to.include("application/problem+json");
      expect(await count(ctx, "conversations")).to.equal(0);
    });

    it("refuses a receipt code that another conversation carries (409)", async () => {
      await seedConversation();
      const res = await request(app).put("/api/v1/conversations/conv-2").set(auth(a.token)).send(conversationBody()).expect(409);
      expect(res.body.type).to.equal("https://rightsdesk.invalid/problems/receipt_code_taken");
    });
  });

  describe("messages and notes", () => {
    it("appends, replays to the same result, and stores content encrypted", async () => {
      await seedConversation();
      const batch = someMessages(3);
      const first = await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: batch }).expect(200);
      expect(first.body).to.deep.equal({ conversationExternalId: "conv-1", received: 3, messageCount: 3 });
      const replay = await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: batch }).expect(200);
      expect(replay.body).to.deep.equal(first.body);
      expect(await count(ctx, "messages")).to.equal(3);

      // Overlap: two known, one new.
      const more = await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: someMessages(3, 1) }).expect(200);
      expect(more.body).to.deep.equal({ conversationExternalId: "conv-1", received: 3, messageCount: 4 });

      const raw = await ctx.db.select().from(messages);
      for (const m of raw) {
        expect(m.bodyEnc.toString("latin1")).not.to.include("secret message");
        expect(m.senderLabelEnc!.toString("latin1")).not.to.include("Counsellor");
      }
      const conv = (await findConversation(ctx.db, a.org.id, "conv-1"))!;
      expect(conv.messageCount).to.equal(4);
      const read = await readMessages(ctx.db, ctx.keys, conv);
      expect(read.map((m) => m.body)).to.deep.equal([0, 1, 2, 3].map((i) => `secret message body number ${i}`));
      expect(read[1]).to.include({ senderRole: "worker", senderLabel: "Counsellor Kim" });

      const subject = await subjectByExternalId(ctx.db, ctx.keys, a.org.id, "acct-1");
      // Last activity never moves back: the conversation ended after these messages.
      expect(subject!.lastActivityAt?.toISOString()).to.equal("2026-02-20T18:40:00.000Z");

      const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "chats.ingest.messages"));
      expect(audits.map((e) => e.details)).to.deep.equal([
        { received: 3, inserted: 3, duplicates: 0 },
        { received: 3, inserted: 0, duplicates: 3 },
        { received: 3, inserted: 1, duplicates: 2 },
      ]);
      expect(audits.every((e) => e.actorType === "api" && e.actorId === a.tokenId)).to.equal(true);
      expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
    });

    it("names the fields of bad messages and enforces the batch size and the body limit", async () => {
      await seedConversation();
      const batch: Record<string, unknown>[] = someMessages(3);
      batch[1] = { ...batch[1], sentAt: "2026-02-30T10:00:00Z" };
      batch[2] = { ...batch[2], senderRole: "bot", extra: true };
      const res = await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: batch }).expect(422);
      const pointers = (res.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
      expect(pointers).to.deep.equal(["messages.1.sentAt", "messages.2.extra", "messages.2.senderRole"]);

      const tooMany = await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: someMessages(1001) }).expect(422);
      expect(tooMany.body.errors).to.deep.equal([{ pointer: "messages", detail: "This is too long" }]);
      await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: [] }).expect(422);

      const huge = [{ ...someMessages(1)[0], body: "x".repeat(1_100_000) }];
      const tooLarge = await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: huge }).expect(413);
      expect(tooLarge.headers["content-type"]).to.include("application/problem+json");
      expect(await count(ctx, "messages")).to.equal(0);
    });

    it("stores notes encrypted and idempotently", async () => {
      await seedConversation();
      const body = { notes: [{ externalId: "n-1", body: "Safety plan agreed" }, { externalId: "n-2", body: "Follow-up offered", createdAt: "2026-02-21T09:00:00Z" }] };
      const first = await request(app).post("/api/v1/conversations/conv-1/notes").set(auth(a.token)).send(body).expect(200);
      const replay = await request(app).post("/api/v1/conversations/conv-1/notes").set(auth(a.token)).send(body).expect(200);
      expect(replay.body).to.deep.equal(first.body);
      expect(await count(ctx, "notes")).to.equal(2);
      const raw = await ctx.db.select().from(notes);
      expect(raw.map((n) => n.bodyEnc.toString("latin1")).join()).not.to.include("Safety plan");
      const conv = (await findConversation(ctx.db, a.org.id, "conv-1"))!;
      expect((await readNotes(ctx.db, ctx.keys, conv)).map((n) => n.body).sort()).to.deep.equal(["Follow-up offered", "Safety plan agreed"]);
    });

    it("answers 404 for a conversation not pushed yet", async () => {
      const res = await request(app).post("/api/v1/conversations/nope/messages").set(auth(a.token)).send({ messages: someMessages(1) }).expect(404);
      expect(res.body).to.include({ type: "https://rightsdesk.invalid/problems/conversation_not_found", status: 404 });
    });

    it("refuses every write to an erased conversation (409)", async () => {
      await seedConversation();
      await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: someMessages(2) }).expect(200);
      // What an erasure leaves: a tombstone without its data key.
      const conv = (await findConversation(ctx.db, a.org.id, "conv-1"))!;
      await ctx.db.update(conversations).set({ erasedAt: ctx.clock.now(), erasedByReference: "RD-TEST-0001", dataKeyId: null }).where(eq(conversations.id, conv.id));
      await ctx.db.delete(dataKeys).where(eq(dataKeys.id, conv.dataKeyId!));

      for (const call of [
        request(app).put("/api/v1/conversations/conv-1").set(auth(a.token)).send(conversationBody()),
        request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: someMessages(3) }),
        request(app).post("/api/v1/conversations/conv-1/notes").set(auth(a.token)).send({ notes: [{ externalId: "n", body: "x" }] }),
      ]) {
        const res = await call.expect(409);
        expect(res.body.type).to.equal("https://rightsdesk.invalid/problems/conversation_erased");
      }
      expect(await count(ctx, "messages")).to.equal(2);
      expect(await count(ctx, "notes")).to.equal(0);
    });
  });

  describe("organization isolation", () => {
    it("keeps each token to its own organization's records", async () => {
      await seedConversation(a.token);
      await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(a.token)).send({ messages: someMessages(2) }).expect(200);

      // The same platform ids under B's token are B's own, separate records.
      await request(app).post("/api/v1/conversations/conv-1/messages").set(auth(b.token)).send({ messages: someMessages(5) }).expect(404);
      await request(app).put("/api/v1/subjects/acct-1").set(auth(b.token)).send({ email: "person@example.test" }).expect(201);
      await request(app).put("/api/v1/conversations/conv-1").set(auth(b.token)).send(conversationBody({ subjectExternalId: "acct-1", receiptCodeHash: null })).expect(201);
      // B cannot point a conversation at A's subject.
      await request(app).put("/api/v1/conversations/conv-2").set(auth(b.token)).send(conversationBody({ subjectExternalId: "acct-only-in-a", receiptCodeHash: null })).expect(422);

      const convA = (await findConversation(ctx.db, a.org.id, "conv-1"))!;
      const convB = (await findConversation(ctx.db, b.org.id, "conv-1"))!;
      expect(convA.id).not.to.equal(convB.id);
      expect(convA.messageCount).to.equal(2);
      expect(convB.messageCount).to.equal(0);
      expect(await count(ctx, "subjects", `org_id = '${a.org.id}'`)).to.equal(1);
      expect(await count(ctx, "subjects", `org_id = '${b.org.id}'`)).to.equal(1);
    });
  });

  describe("rate limit", () => {
    it("limits each token separately and answers 429 with Retry-After", async () => {
      const small = express();
      small.use("/api", express.json({ limit: "1mb" }));
      small.use(chatsApiRouter(ctx, { rateLimit: { windowMs: 60_000, limit: 2 } }));
      small.use(errorHandler(ctx));
      const put = (token: string) => request(small).put("/api/v1/subjects/s-1").set(auth(token)).send({});
      await put(a.token).expect(201);
      await put(a.token).expect(200);
      const limited = await put(a.token).expect(429);
      expect(limited.headers["retry-after"]).to.equal("60");
      expect(limited.body).to.include({ status: 429, retryAfter: 60 });
      await put(b.token).expect(201);
      ctx.clock.advance(61_000);
      await put(a.token).expect(200);
    });
  });
});
