import fs from "node:fs";
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { freshExportsContext, runJobs, unzip } from "../exports/helpers.js";
import { buildApp } from "../../src/app.js";
import { appendMessages } from "../../src/chats/conversation-store.js";
import { auditLog, exports, packageRedactions, packageReviews, requests } from "../../src/db/schema/index.js";
import { exportReadyHooks } from "../../src/exports/hooks.js";
import { readDecryptedExport } from "../../src/platform/blob-store.js";
import { registerExportHandover } from "../../src/fulfilment/export-handover.js";
import { fulfilRequest } from "../../src/fulfilment/start-fulfilment.js";
import { REVIEW_PAGE_SIZE } from "../../src/fulfilment/package-review.js";
import type { Agent } from "../support/http.js";
import { actorOf, insertRequest, postForm, scan, staffAgent, world, type World } from "./helpers.js";

const THIRD_PARTY = "Call my friend Aino Virtanen on 040 123 4567 or aino.virtanen@example.fi, she lives at Mannerheimintie 12 B";

/** The checkboxes of a review page: name, value and the text their label withholds. */
function checkboxes(html: string): { name: string; value: string; label: string }[] {
  const out: { name: string; value: string; label: string }[] = [];
  const re = /<input type="checkbox" id="([^"]+)" name="([^"]+)" value="([^"]+)"[^>]*>\s*<label for="\1">([\s\S]*?)<\/label>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) out.push({ name: m[2]!, value: m[3]!, label: m[4]!.replace(/<[^>]+>/g, " ").replace(/&#34;|&quot;/g, '"') });
  return out;
}

describe("fulfilment: the package review before release", function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let w: World;
  let app: ReturnType<typeof buildApp>;
  let dpo: Agent;

  beforeEach(async () => {
    exportReadyHooks.length = 0;
    registerExportHandover();
    ctx = await freshExportsContext();
    w = await world(ctx);
    await appendMessages(ctx.db, ctx.keys, w.first, [{ senderRole: "subject", senderLabel: "Me", body: THIRD_PARTY, sentAt: new Date("2026-01-10T10:05:00Z") }]);
    app = buildApp(ctx);
    dpo = await staffAgent(ctx, app, w, w.dpo.id);
  });

  async function approvedAccess() {
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "access", scope: "chosen_conversations", conversationIds: [w.first.id], status: "in_review" });
    expect((await postForm(dpo, `/staff/requests/${r.id}/approve`, { message: "" })).status).to.equal(303);
    return r;
  }

  it("approving opens a review and builds nothing; the package is built only once the DPO releases it", async () => {
    const r = await approvedAccess();
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("approved");
    expect(await ctx.db.select().from(exports).where(eq(exports.requestId, r.id))).to.have.length(0);
    const [review] = await ctx.db.select().from(packageReviews).where(eq(packageReviews.requestId, r.id));
    expect(review!.status).to.equal("open");
    // "Carry out" cannot skip the review.
    const err = await fulfilRequest(ctx, actorOf(w.dpo), w.org.id, r.id).catch((e: unknown) => e);
    expect((err as { code?: string }).code).to.equal("review_pending");
    const page = await dpo.get(`/staff/requests/${r.id}`);
    expect(page.text).to.include(`/staff/requests/${r.id}/review`);
  });

  it("accepted suggestions and a typed span are stored sealed, audited without text, and shown as [withheld: reason] with the notice", async () => {
    const r = await approvedAccess();
    const page = await dpo.get(`/staff/requests/${r.id}/review`);
    expect(page.status).to.equal(200);
    expect(page.headers["cache-control"]).to.match(/no-store/);
    const boxes = checkboxes(page.text);
    const phone = boxes.find((b) => b.name.startsWith("s.") && b.label.includes("040 123 4567"));
    const email = boxes.find((b) => b.name.startsWith("s.") && b.label.includes("aino.virtanen@example.fi"));
    expect(phone, JSON.stringify(boxes)).to.not.equal(undefined);
    expect(email).to.not.equal(undefined);
    // The counsellor's name the platform sent is suggested wherever it appears (here in no body: only as a label).
    const itemKey = phone!.name.slice(2);
    const form: Record<string, string | string[]> = {
      c: "0", p: "0",
      [phone!.name]: [phone!.value, email!.value],
      addText: "Mannerheimintie 12 B", addItem: itemKey, addReason: "national_law",
    };
    const token = (await dpo.get(`/staff/requests/${r.id}/review`)).text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const saved = await dpo.post(`/staff/requests/${r.id}/review`).type("form").send({ ...form, _csrf: token });
    expect(saved.status, saved.text.slice(0, 500)).to.equal(303);

    const stored = await ctx.db.select().from(packageRedactions);
    expect(stored).to.have.length(3);
    expect(await scan(ctx, ["040 123 4567", "aino.virtanen@example.fi", "Mannerheimintie 12 B"]), "the covered text is never in a plain column").to.deep.equal([]);
    const [audit] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "review.page_saved"));
    expect(audit!.details).to.deep.include({ passages: 3, added: 1, byReason: { third_party_rights: 2, national_law: 1 } });

    // A typed text that is not in the message is a field error, and nothing changes.
    const bad = await dpo.post(`/staff/requests/${r.id}/review`).type("form").send({ c: "0", p: "0", addText: "not in there", addItem: itemKey, _csrf: token });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include("field-addText");

    const release = await dpo.get(`/staff/requests/${r.id}/review/release`);
    expect(release.status).to.equal(200);
    expect((await postForm(dpo, `/staff/requests/${r.id}/review/release`, {}, `/staff/requests/${r.id}/review/release`)).status).to.equal(303);
    const [released] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(released!.status).to.equal("in_progress");
    const [rel] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "review.released"));
    expect(JSON.stringify(rel!.details)).to.not.match(/Aino|4567|Mannerheim/);

    await runJobs(ctx);
    const [built] = await ctx.db.select().from(exports).where(and(eq(exports.requestId, r.id), eq(exports.status, "ready")));
    const files = await unzip(await readDecryptedExport(ctx, built!));
    const all = [...files.values()].map((b) => b.toString("utf8")).join("\n");
    for (const secret of ["040 123 4567", "aino.virtanen@example.fi", "Mannerheimintie 12 B"]) expect(all).to.not.include(secret);
    const html = [...files.entries()].find(([n]) => n.endsWith(".html") && n.startsWith("conversations/"))![1].toString("utf8");
    expect(html).to.include("[withheld: rights and freedoms of others]");
    expect(html).to.include("[withheld: restriction in national law]");
    const json = [...files.entries()].find(([n]) => n.endsWith(".json") && n.startsWith("conversations/"))![1].toString("utf8");
    expect(json).to.include("[withheld: rights and freedoms of others]");
    const readme = files.get("README.html")!.toString("utf8");
    expect(readme).to.include("2 passages in the chats");
    expect(readme).to.include("1 passage in the chats");
    expect(readme).to.include("Tietosuojavaltuutetun toimisto");
    expect(readme).to.include("district court");
    expect(files.has("NOTICE.html")).to.equal(true);
    expect(built!.withheld!.map((x) => x.kind)).to.include("redacted_passages");
  });

  it("withholding a whole message leaves only the marker; a conversation longer than a page is paged", async () => {
    const many = Array.from({ length: REVIEW_PAGE_SIZE + 5 }, (_, i) => ({ senderRole: "subject" as const, senderLabel: "Me", body: `Long chat line ${i}`, sentAt: new Date(Date.UTC(2026, 0, 11, 0, i)) }));
    await appendMessages(ctx.db, ctx.keys, w.second, many);
    const r = await insertRequest(ctx, w.org, { subjectId: w.subject.id, type: "police_transcript", scope: "chosen_conversations", conversationIds: [w.second.id], status: "in_review" });
    await postForm(dpo, `/staff/requests/${r.id}/approve`, { message: "" });
    const first = await dpo.get(`/staff/requests/${r.id}/review`);
    expect(first.text).to.include("Long chat line 0");
    expect(first.text).to.not.include(`Long chat line ${REVIEW_PAGE_SIZE + 2}`);
    const second = await dpo.get(`/staff/requests/${r.id}/review?c=0&p=1`);
    expect(second.text).to.include(`Long chat line ${REVIEW_PAGE_SIZE + 2}`);
    expect((await dpo.get(`/staff/requests/${r.id}/review?c=0&p=9`)).status).to.equal(404);
    const whole = checkboxes(second.text).find((b) => b.name.startsWith("w.") && second.text.includes(`Long chat line ${REVIEW_PAGE_SIZE + 2}`))!;
    const token = second.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const res = await dpo.post(`/staff/requests/${r.id}/review`).type("form").send({ c: "0", p: "1", [whole.name]: "1", [`wr.${whole.name.slice(2)}`]: "crime_prevention", _csrf: token });
    expect(res.status).to.equal(303);
    await postForm(dpo, `/staff/requests/${r.id}/review/release`, {}, `/staff/requests/${r.id}/review/release`);
    await runJobs(ctx);
    const [built] = await ctx.db.select().from(exports).where(eq(exports.requestId, r.id));
    expect(built!.status).to.equal("ready");
    const { PDFParse } = await import("pdf-parse");
    const parser = new PDFParse({ data: await readDecryptedExport(ctx, built!) });
    const text = (await parser.getText()).text.replace(/\s+/g, " ");
    await parser.destroy();
    expect(text).to.include("[withheld: prevention or investigation of crime]");
    expect(text).to.include("Tietosuojavaltuutetun toimisto");
  });
});
