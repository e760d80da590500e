import crypto from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import express from "express";
import request from "supertest";
import { eq } from "drizzle-orm";
import { buildApp } from "../../src/app.js";
import { requests } from "../../src/db/schema/index.js";
import { sendDownload } from "../../src/exports/send-download.js";
import { EncryptStream } from "../../src/platform/stream-crypto.js";
import { csvRow } from "../../src/staff/csv.js";
import { neutralizeControls, safeFileName } from "../../src/platform/text.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent } from "../support/http.js";
import { FORBIDDEN, HOSTILE, HOSTILE_NO_NUL } from "../support/hostile-text.js";
import { makeRequest } from "../staff/helpers.js";

describe("platform: control characters in chat text are neutralized", () => {
  describe("neutralizeControls", () => {
    it("marks every C0/C1 control but tab and line feed, and every bidi embedding, override and isolate, with U+FFFD", () => {
      expect(neutralizeControls(HOSTILE)).to.equal("pay\uFFFDme \uFFFD[31mnow\uFFFD \uFFFDa\uFFFDb\uFFFDc\uFFFDd\uFFFDevil.exe \uFFFDe\uFFFDf\uFFFDg\uFFFD end");
      for (let code = 0; code <= 0x9f; code++) {
        const ch = String.fromCharCode(code);
        const kept = code === 0x09 || code === 0x0a || (code >= 0x20 && code < 0x7f);
        expect(neutralizeControls(ch), `U+${code.toString(16)}`).to.equal(kept ? ch : code === 0x0d ? "\n" : "\uFFFD");
      }
    });

    it("keeps tab, line breaks (CR LF becomes LF), letter marks and every other character readable", () => {
      const text = "Hei\tkaikki\r\nrivi\rkaksi \u200F\u05E9\u05DC\u05D5\u05DD\u200E (\u0645\u0631\u062D\u0628\u0627\u061C) õäöšž 😀";
      expect(neutralizeControls(text)).to.equal("Hei\tkaikki\nrivi\nkaksi \u200F\u05E9\u05DC\u05D5\u05DD\u200E (\u0645\u0631\u062D\u0628\u0627\u061C) õäöšž 😀");
    });

    it("gives file names an underscore for controls, tabs and line breaks", () => {
      expect(safeFileName("RD-1\u202Egpj.exe\tx\ny\u0000.pdf")).to.equal("RD-1_gpj.exe_x_y_.pdf");
    });
  });

  describe("in pages (HTML views)", () => {
    let ctx: TestContext;
    beforeEach(async () => (ctx = await freshContext()));

    it("shows a DPO the transcript, topic, sender label, notes and requester messages with the controls marked", async () => {
      const org = await makeOrg(ctx);
      const subject = await makeSubject(ctx, org.id);
      const dpo = await makeStaff(ctx, org.id, "dpo");
      const conv = await makeConversation(ctx, org.id, {
        subjectId: subject.id, topic: `topic ${HOSTILE_NO_NUL}`, note: `note ${HOSTILE}`,
        messages: [{ body: `body ${HOSTILE}` }, { body: "reply", senderRole: "worker", senderLabel: `label ${HOSTILE}` }],
      });
      const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
      const app = buildApp(ctx);
      const host = `${org.slug}.test`;

      const requester = await signedInAgent(ctx, app, { orgId: org.id, subjectId: subject.id, email: subject.email, host });
      const token = await csrfFrom(requester, `/requests/${r.reference}`);
      // NUL cannot be stored in a text column: refused next to the field, not a 500.
      const withNul = await requester.post(`/requests/${r.reference}/messages`).type("form").send({ _csrf: token, body: `message ${HOSTILE}` });
      expect(withNul.status, withNul.text.slice(0, 200)).to.equal(422);
      expect(withNul.text).to.include('id="field-body-error"').and.not.match(FORBIDDEN);
      const sent = await requester.post(`/requests/${r.reference}/messages`).type("form").send({ _csrf: token, body: `message ${HOSTILE_NO_NUL}` });
      expect(sent.status, sent.text.slice(0, 200)).to.equal(303);

      const staff = await signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId: dpo.id, host });
      const staffToken = await csrfFrom(staff, `/staff/requests/${r.id}`);
      const noted = await staff.post(`/staff/requests/${r.id}/notes`).type("form").send({ _csrf: staffToken, body: `staff note ${HOSTILE_NO_NUL}` });
      expect(noted.status).to.equal(303);

      const detail = await staff.get(`/staff/requests/${r.id}`).expect(200);
      const transcript = await staff.get(`/staff/conversations/${conv.id}/transcript?requestId=${r.id}&purpose=${encodeURIComponent("Checking control characters")}`).expect(200);
      const mine = await requester.get(`/requests/${r.reference}`).expect(200);
      for (const [page, res, expected] of [
        ["detail", detail, ["message payme \uFFFD[31m", "staff note payme \uFFFD[31m", "topic payme \uFFFD[31m"]],
        ["transcript", transcript, ["body pay\uFFFDme", "label pay\uFFFDme", "\uFFFDevil.exe"]],
        ["requester", mine, ["message payme \uFFFD[31m"]],
      ] as const) {
        expect(res.text, page).not.to.match(FORBIDDEN);
        for (const text of expected) expect(res.text, `${page}: ${text}`).to.include(text);
      }
    });
  });

  describe("in CSV", () => {
    it("marks controls inside a cell, so no cell can reorder or break the row", () => {
      const row = csvRow(["RD-1", `name ${HOSTILE}`, "=cmd()", "two\r\nlines"]);
      expect(row.slice(0, -2)).not.to.match(FORBIDDEN);
      expect(row).to.equal(`RD-1,name ${neutralizeControls(HOSTILE)},'=cmd(),"two\nlines"\r\n`);
    });

    it("serves a request register whose assignee name hides controls without them", async () => {
      const ctx = await freshContext();
      const org = await makeOrg(ctx);
      const dpo = await makeStaff(ctx, org.id, "dpo", { name: `Dora ${HOSTILE_NO_NUL}` });
      await makeRequest(ctx, org, {});
      const r = await makeRequest(ctx, org, {});
      await ctx.db.update(requests).set({ assigneeId: dpo.id }).where(eq(requests.id, r.id));
      const agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, kind: "staff", staffId: dpo.id, host: `${org.slug}.test` });
      const csv = await agent.get("/staff/requests.csv").expect(200);
      expect(csv.text.replace(/\r\n/g, "")).not.to.match(FORBIDDEN);
      expect(csv.text).to.include(`Dora ${neutralizeControls(HOSTILE_NO_NUL)}`);
    });
  });

  describe("in file names", () => {
    it("sends a download's Content-Disposition without controls", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-ctl-"));
      const file = path.join(dir, "x.pdf");
      const key = crypto.randomBytes(32);
      const sealed: Buffer[] = [];
      const enc = new EncryptStream(key, "x").on("data", (c: Buffer) => sealed.push(c));
      enc.end("%PDF-1.7\n");
      await once(enc, "end");
      fs.writeFileSync(file, Buffer.concat(sealed));
      const app = express();
      app.get("/d", async (_req, res) => {
        const handle = await fs.promises.open(file, "r");
        const blob = { size: (await handle.stat()).size, stream: () => handle.createReadStream({ start: 0, autoClose: false }), close: () => handle.close() };
        await sendDownload(res, blob, { key, row: { id: "x" }, fileName: `RD-1 ${HOSTILE}.pdf`, contentType: "application/pdf", sizeBytes: 9 });
      });
      try {
        const res = await request(app).get("/d").expect(200);
        const header = res.headers["content-disposition"] as string;
        expect(decodeURIComponent(header)).not.to.match(FORBIDDEN);
        expect(decodeURIComponent(header)).to.include(`RD-1 ${safeFileName(HOSTILE)}.pdf`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
