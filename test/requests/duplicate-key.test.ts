import crypto from "node:crypto";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { requests } from "../../src/db/schema/index.js";
import { canonicalJson } from "../../src/platform/audit.js";
import { submitRequest } from "../../src/requests/submit-request.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeSubject } from "../support/factories.js";

describe("requests: the duplicate check's key", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("is a keyed hash (no plain hash of the sealed text to match guesses against) that still finds the open duplicate", async () => {
    const org = await makeOrg(ctx);
    const s = await makeSubject(ctx, org.id);
    const requester = { subjectId: s.id, conversationId: null, email: s.email, assurance: "account" as const };
    const draft = { type: "rectification" as const, scope: "profile" as const, conversationIds: [], details: { field: "displayName" as const, value: "Aino Virtanen" } };
    const first = await submitRequest(ctx, org, requester, draft, "en");
    const second = await submitRequest(ctx, org, requester, draft, "en");
    expect(first.created).to.equal(true);
    expect([second.created, second.request.id]).to.deep.equal([false, first.request.id]);
    const [row] = await ctx.db.select({ key: requests.dedupeKey }).from(requests).where(eq(requests.id, first.request.id));
    const plain = (details: unknown) => crypto.createHash("sha256").update(canonicalJson([draft.type, draft.scope, [], details])).digest("hex");
    expect(row!.key).to.not.equal(plain(draft.details));
    expect(row!.key).to.not.include("Aino");
  });
});
