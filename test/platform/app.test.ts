import { expect } from "chai";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { loadConfig, ConfigError } from "../../src/config.js";

describe("platform: app, config, health", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
    await makeOrg(ctx);
  });

  it("answers /healthz and /readyz", async () => {
    const app = buildApp(ctx, { ready: true });
    await request(app).get("/healthz").expect(200, { status: "ok" });
    await request(app).get("/readyz").expect(200);
    await request(buildApp(ctx, { ready: false })).get("/readyz").expect(503);
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
