import { expect } from "chai";
import { eq } from "drizzle-orm";
import request from "supertest";
import { generate } from "otplib";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, TEST_PASSWORD } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { auditLog, sessions, staffUsers } from "../../src/db/schema/index.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { enrolledTotp } from "./helpers.js";

describe("staff sign-in with password and TOTP", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;

  beforeEach(async () => {
    ctx = await freshContext();
    org = await makeOrg(ctx);
  });

  const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const recoveryCodesOn = (html: string) => [...html.matchAll(/<code class="code">([0-9A-Z]{5}-[0-9A-Z]{5})<\/code>/g)].map((m) => m[1]!);
  const code = async (staffId: string) => {
    const [row] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, staffId));
    const secret = ctx.keys.openWithMaster(row!.totpSecretEnc!, "totp");
    return generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
  };

  it("enrols a DPO by QR code at first sign-in, then asks for a code at the next", async () => {
    const dpo = await makeStaff(ctx, org.id, "dpo");
    const app = buildApp(ctx);
    let agent = request.agent(app).host(`${org.slug}.test`);
    let page = await agent.get("/staff/sign-in").expect(200);
    let res = await agent.post("/staff/sign-in").type("form").send({ _csrf: csrf(page.text), email: dpo.email.toUpperCase(), password: TEST_PASSWORD });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/totp/setup");
    // Not yet signed in: the queue sends back to sign-in.
    expect((await agent.get("/staff")).headers.location).to.match(/^\/staff\/sign-in/);
    page = await agent.get("/staff/totp/setup").expect(200);
    expect(page.text).to.include('src="data:image/png;base64,');
    const [stored] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, dpo.id));
    const secret = ctx.keys.openWithMaster(stored!.totpSecretEnc!, "totp");
    expect(page.text).to.include(secret);
    expect(stored!.totpSecretEnc).not.to.include(secret);
    res = await agent.post("/staff/totp").type("form").send({ _csrf: csrf(page.text), enrol: "1", code: "000000" });
    expect(res.status).to.equal(422);
    const good = await code(dpo.id);
    res = await agent.post("/staff/totp").type("form").send({ _csrf: csrf(page.text), enrol: "1", code: good });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal("/staff/totp/recovery-codes");
    page = await agent.get("/staff/totp/recovery-codes").expect(200);
    expect(recoveryCodesOn(page.text)).to.have.length(10);
    await agent.post("/staff/totp/recovery-codes").type("form").send({ _csrf: csrf(page.text) }).expect(303).expect("Location", "/staff");
    await agent.get("/staff").expect(200);
    const [enrolled] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, dpo.id));
    expect(enrolled!.totpEnrolledAt).to.not.equal(null);

    // Next sign-in: password, then a code; the same code cannot be replayed.
    ctx.clock.advance(60_000);
    agent = request.agent(app).host(`${org.slug}.test`);
    page = await agent.get("/staff/sign-in");
    res = await agent.post("/staff/sign-in").type("form").send({ _csrf: csrf(page.text), email: dpo.email, password: TEST_PASSWORD });
    expect(res.headers.location).to.equal("/staff/totp");
    page = await agent.get("/staff/totp").expect(200);
    const second = await code(dpo.id);
    await agent.post("/staff/totp").type("form").send({ _csrf: csrf(page.text), code: second }).expect(303);
    await agent.get("/staff").expect(200);
    const replay = request.agent(app).host(`${org.slug}.test`);
    page = await replay.get("/staff/sign-in");
    await replay.post("/staff/sign-in").type("form").send({ _csrf: csrf(page.text), email: dpo.email, password: TEST_PASSWORD }).expect(303);
    page = await replay.get("/staff/totp");
    await replay.post("/staff/totp").type("form").send({ _csrf: csrf(page.text), code: second }).expect(422);

    const actions = (await ctx.db.select().from(auditLog)).map((a) => a.action);
    expect(actions).to.include.members(["staff.sign_in.succeeded", "staff.totp.enrolled", "staff.totp.failed"]);
    expect((await verifyAuditChain(ctx.db)).ok).to.equal(true);
  });

  it("asks every role for a second factor: a reviewer without one enrols before the staff area opens; wrong passwords and disabled staff fail alike", async () => {
    const reviewer = await makeStaff(ctx, org.id, "reviewer");
    const disabled = await makeStaff(ctx, org.id, "reviewer", { disabledAt: new Date() });
    const agent = request.agent(buildApp(ctx)).host(`${org.slug}.test`);
    const page = await agent.get("/staff/sign-in");
    let res = await agent.post("/staff/sign-in").type("form").send({ _csrf: csrf(page.text), email: reviewer.email, password: "wrong" });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("The e-mail address or password is not right.");
    res = await agent.post("/staff/sign-in").type("form").send({ _csrf: csrf(page.text), email: disabled.email, password: TEST_PASSWORD });
    expect(res.status).to.equal(422);
    const page2 = await agent.get("/staff/sign-in");
    res = await agent.post("/staff/sign-in").type("form").send({ _csrf: csrf(page2.text), email: reviewer.email, password: TEST_PASSWORD });
    expect(res.headers.location).to.equal("/staff/totp/setup");
    const [s] = await ctx.db.select().from(sessions).where(eq(sessions.staffId, reviewer.id));
    expect(s!.stage).to.equal("password");
    expect(s!.orgId).to.equal(org.id);
    // The password alone opens nothing.
    expect((await agent.get("/staff")).headers.location).to.match(/^\/staff\/sign-in/);
    const setup = await agent.get("/staff/totp/setup").expect(200);
    await agent.post("/staff/totp").type("form").send({ _csrf: csrf(setup.text), enrol: "1", code: await code(reviewer.id) }).expect(303).expect("Location", "/staff/totp/recovery-codes");
    const codesPage = await agent.get("/staff/totp/recovery-codes").expect(200);
    await agent.post("/staff/totp/recovery-codes").type("form").send({ _csrf: csrf(codesPage.text) }).expect(303).expect("Location", "/staff");
    await agent.get("/staff").expect(200);
    const fails = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "staff.sign_in.failed"));
    expect(fails).to.have.length(2);
    expect(fails.every((f) => f.ipPseudonym)).to.equal(true);
  });

  it("signs out a staff member who has been disabled", async () => {
    const reviewer = await makeStaff(ctx, org.id, "reviewer", enrolledTotp(ctx));
    const agent = request.agent(buildApp(ctx)).host(`${org.slug}.test`);
    const page = await agent.get("/staff/sign-in");
    await agent.post("/staff/sign-in").type("form").send({ _csrf: csrf(page.text), email: reviewer.email, password: TEST_PASSWORD }).expect(303).expect("Location", "/staff/totp");
    const totp = await agent.get("/staff/totp");
    await agent.post("/staff/totp").type("form").send({ _csrf: csrf(totp.text), code: await code(reviewer.id) }).expect(303).expect("Location", "/staff");
    await agent.get("/staff").expect(200);
    await ctx.db.update(staffUsers).set({ disabledAt: new Date() }).where(eq(staffUsers.id, reviewer.id));
    expect((await agent.get("/staff")).status).to.equal(303);
    expect(await ctx.db.select().from(sessions).where(eq(sessions.staffId, reviewer.id))).to.have.length(0);
  });
});
