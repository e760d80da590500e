import { expect } from "chai";
import { organizations } from "../../src/db/schema/index.js";
import { inTransaction, isTransaction } from "../../src/platform/transaction.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { count } from "../support/db.js";

describe("inTransaction", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  it("opens a transaction on the database and hands it on in the context", async () => {
    expect(isTransaction(ctx.db)).to.equal(false);
    await inTransaction(ctx, async (tx, txCtx) => {
      expect(isTransaction(tx)).to.equal(true);
      expect(txCtx.db).to.equal(tx);
    });
  });

  it("joins the caller's open transaction, so an inner use case rolls back with the outer one", async () => {
    const org = await makeOrg(ctx);
    let joined = false;
    const outcome = await inTransaction(ctx, async (outer, outerCtx) => {
      await inTransaction(outerCtx, async (inner) => {
        joined = inner === outer;
        await inner.update(organizations).set({ name: "Renamed inside" });
      });
      throw new Error("outer fails");
    }).catch((err: Error) => err.message);
    expect(outcome).to.equal("outer fails");
    expect(joined, "the inner call runs in the outer transaction, not a savepoint of its own").to.equal(true);
    expect(await count(ctx, "organizations", `name = 'Renamed inside'`)).to.equal(0);
    expect(await count(ctx, "organizations", `id = '${org.id}'`)).to.equal(1);
  });
});
