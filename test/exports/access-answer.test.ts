import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { conversations, requestMessages, requests } from "../../src/db/schema/index.js";
import { buildNow, scenario, unzip, freshExportsContext } from "./helpers.js";
import { addMessages, sealedTexts } from "../support/request-texts.js";

describe("exports: the access answer (Art. 15(1)–(2)) in the readable package", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshExportsContext();
  });

  it("names disclosures such as a child-protection report, the request history with its messages and decisions, and the IP address in the HTML", async () => {
    const s = await scenario(ctx, { locale: "en" });
    await ctx.db.update(conversations).set({ legalHoldAt: new Date("2026-02-02T08:00:00Z"), legalHoldReason: "child_protection_report" }).where(eq(conversations.id, s.first.id));
    // An earlier request of the same person, refused, with its thread.
    const [earlier] = await ctx.db.insert(requests).values({
      orgId: s.org.id, reference: "RD-OLD1-OLD1", subjectId: s.subject.id, type: "erasure", scope: "all_conversations", dedupeKey: "old", status: "rejected",
      assurance: "account", locale: "en", receivedAt: new Date("2026-01-05T10:00:00Z"), dueDate: "2026-02-05", effectiveDueDate: "2026-02-05",
      decision: "rejected", legalGround: "art17_3_exception", ...(await sealedTexts(ctx, { orgId: s.org.id, subjectId: s.subject.id }, { decisionReason: "A child-protection report was made from this chat." })), decidedAt: new Date("2026-01-20T10:00:00Z"),
    }).returning();
    await addMessages(ctx, [{ requestId: earlier!.id, authorType: "requester", body: "Please delete everything about me.", createdAt: new Date("2026-01-06T10:00:00Z") }]);
    const { file } = await buildNow(ctx, s.request.id, "access_zip");
    const files = await unzip(file);
    const readme = files.get("README.html")!.toString("utf8");
    expect(readme).to.include("child-protection report");
    expect(readme).to.include("RD-OLD1-OLD1").and.include("Please delete everything about me.").and.include("A child-protection report was made from this chat.");
    expect(readme).to.include(s.request.reference);
    const html = files.get("conversations/001-2026-02-01.html")!.toString("utf8");
    expect(html).to.include("192.0.2.44");
    const json = JSON.parse(files.get("conversations/001-2026-02-01.json")!.toString("utf8"));
    expect(json.ipAddress).to.equal("192.0.2.44");
    // Recipients are listed once each.
    const items = [...readme.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]!);
    expect(items.filter((i) => i.startsWith("Hosting Provider Oy"))).to.have.length(1);
  });
});
