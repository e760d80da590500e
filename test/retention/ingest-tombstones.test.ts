import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { orgWithToken } from "../chats/helpers.js";
import { buildApp } from "../../src/app.js";
import { importNdjson } from "../../src/chats/import-ndjson.js";
import { runRetention } from "../../src/retention/run-retention.js";
import { at, count, setPolicy } from "./helpers.js";

const STARTED = "2025-01-15T12:00:00Z";

describe("retention and the ingest API: what retention removed is not delivered back", () => {
  let ctx: TestContext;
  let app: ReturnType<typeof buildApp>;
  let a: Awaited<ReturnType<typeof orgWithToken>>;
  const auth = () => ({ Authorization: `Bearer ${a.token}` });
  const putSubject = () => request(app).put("/api/v1/subjects/acct-1").set(auth()).send({ email: "fox@example.test", displayName: "Fox", locale: "en" });
  const putConversation = (ext: string) =>
    request(app).put(`/api/v1/conversations/${ext}`).set(auth()).send({ subjectExternalId: null, topic: "Exam stress", startedAt: STARTED, ip: "203.0.113.57" });

  beforeEach(async () => {
    ctx = await freshContext();
    a = await orgWithToken(ctx);
    app = buildApp(ctx);
    await putSubject().expect(201);
    await putConversation("conv-del").expect(201);
    await putConversation("conv-tomb").expect(201);
    ctx.clock.set(at(new Date(STARTED), 800));
  });

  it("a deleted or tombstoned conversation and a deleted account are refused with 409", async () => {
    await setPolicy(ctx, a.org.id, "subject_accounts", { periodDays: 30, basis: "created", action: "delete" });
    await setPolicy(ctx, a.org.id, "conversations", { periodDays: 60, basis: "created", action: "delete" });
    // Subjects' created_at is the database's now(); measure from far enough ahead.
    ctx.clock.set(at(new Date(), 60));
    await runRetention(ctx);
    expect(await count(ctx, "conversations")).to.equal(0);
    expect(await count(ctx, "subjects")).to.equal(0);
    expect(await count(ctx, "ingest_tombstones")).to.equal(3);

    const conv = await putConversation("conv-del");
    expect(conv.status).to.equal(409);
    expect(conv.body.type).to.equal("https://rightsdesk.invalid/problems/conversation_erased");
    const subject = await putSubject();
    expect(subject.status).to.equal(409);
    expect(subject.body).to.include({ type: "https://rightsdesk.invalid/problems/subject_erased", title: "The account was erased" });
    expect(await count(ctx, "conversations")).to.equal(0);
    expect(await count(ctx, "subjects")).to.equal(0);
    // A conversation nobody deleted is still accepted.
    await putConversation("conv-new").expect(201);
  });

  it("a tombstone keeps no platform id, yet a replay is refused", async () => {
    await setPolicy(ctx, a.org.id, "conversations", { periodDays: 60, basis: "created", action: "tombstone" });
    await runRetention(ctx);
    expect(await count(ctx, "conversations", "erased_at is not null and external_id is null")).to.equal(2);
    expect((await putConversation("conv-tomb")).status).to.equal(409);
    expect(await count(ctx, "conversations")).to.equal(2);
  });

  it("the NDJSON importer rejects those lines and imports the rest", async () => {
    await setPolicy(ctx, a.org.id, "conversations", { periodDays: 60, basis: "created", action: "delete" });
    await runRetention(ctx);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-ret-import-"));
    const file = path.join(dir, "replay.ndjson");
    const line = (ext: string) => JSON.stringify({ type: "conversation", externalId: ext, topic: "Replay", startedAt: STARTED });
    fs.writeFileSync(file, [line("conv-del"), line("conv-fresh"), line("conv-tomb")].join("\n") + "\n");
    try {
      const result = await importNdjson(ctx, { file, orgId: a.org.id, batchSize: 10 });
      expect(result.rejected.map((r) => r.line)).to.deep.equal([1, 3]);
      expect(result.rejected[0]!.reason).to.include("conversation_erased");
      expect(await count(ctx, "conversations")).to.equal(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
