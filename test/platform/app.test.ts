import { expect } from "chai";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { loadConfig, ConfigError } from "../../src/config.js";
import { openPostgres } from "../../src/db/client.js";
import { translator } from "../../src/platform/i18n.js";
import { freePort } from "../support/temp-cluster.js";

describe("platform: app, config, health", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
    await makeOrg(ctx);
  });

  it("answers /healthz and /readyz", async () => {
    const app = buildApp(ctx, { ready: true });
    await request(app).get("/healthz").expect(200, { status: "ok", database: "up" });
    await request(app).get("/readyz").expect(200);
    await request(buildApp(ctx, { ready: false })).get("/readyz").expect(503);
  });

  it("while the database cannot be reached: /healthz and /readyz 503, a localized 'temporarily unavailable' page, problem+json on the API", async () => {
    const app = buildApp(ctx, { ready: true });
    await request(app).get("/").expect(200); // the organization is known from before
    // A real driver, connecting to a port nothing listens on: every query is refused.
    const gone = await openPostgres(`postgres://postgres@127.0.0.1:${await freePort()}/gone`, 1);
    const live = ctx.db;
    ctx.db = gone.db;
    try {
      await request(app).get("/healthz").expect(503, { status: "unavailable", database: "down" });
      await request(app).get("/readyz").expect(503, { status: "database_unavailable" });
      const page = await request(app).get("/verify?code=V-AAAA-BBBB").set("Accept-Language", "sv").expect(503);
      expect(page.headers["retry-after"]).to.equal("30");
      expect(page.text).to.include('<html lang="sv">');
      expect(page.text).to.include(translator("sv")("platform.errors.unavailable.title"));
      expect(page.text).to.include(translator("sv")("platform.errors.unavailable.message"));
      expect(page.text).not.to.match(/ECONNREFUSED|Failed query|node_modules/);
      const api = await request(app).put("/api/v1/subjects/x").set("Authorization", `Bearer rdk_${"A".repeat(43)}`).send({}).expect(503);
      expect(api.headers["content-type"]).to.include("application/problem+json");
      expect(api.body).to.deep.include({ status: 503, title: translator("en")("platform.errors.unavailable.title") });
    } finally {
      ctx.db = live;
      await gone.close();
    }
    await request(app).get("/healthz").expect(200);
  });

  it("sends a strict CSP and no X-Powered-By", async () => {
    const res = await request(buildApp(ctx)).get("/").expect(200);
    const csp = res.headers["content-security-policy"] as string;
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("frame-ancestors 'none'");
    expect(csp).not.to.include("unsafe-inline");
    expect(res.headers["x-powered-by"]).to.equal(undefined);
  });

  it("renders a localized 404 without internals, and problem+json on the API", async () => {
    const res = await request(buildApp(ctx)).get("/no-such-page").set("Accept-Language", "fi").expect(404);
    expect(res.text).to.include("Sivua ei löytynyt");
    expect(res.text).to.include('<html lang="fi">');
    const api = await request(buildApp(ctx)).get("/api/v1/nothing").expect(404);
    expect(api.headers["content-type"]).to.include("application/problem+json");
    expect(api.body.status).to.equal(404);
  });

  it("remembers an explicit language choice over Accept-Language", async () => {
    const agent = request.agent(buildApp(ctx));
    await agent.get("/?lang=sv").set("Accept-Language", "fi").expect(200);
    const res = await agent.get("/").set("Accept-Language", "fi").expect(200);
    expect(res.text).to.include('<html lang="sv">');
  });

  it("rejects a form post without a valid CSRF token", async () => {
    await request(buildApp(ctx)).post("/sign-out").type("form").send({ _csrf: "forged" }).expect(403);
  });

  it("refuses to start with a wrong setting, naming the variable", () => {
    expect(() => loadConfig({ PORT: "eighty" })).to.throw(ConfigError, /PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).to.throw(ConfigError, /DATABASE_URL/);
    expect(() => loadConfig({ MASTER_KEY: "short" })).to.throw(ConfigError, /MASTER_KEY/);
    expect(loadConfig({}).PORT).to.equal(3000);
  });
});
