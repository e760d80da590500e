import { expect } from "chai";
import { buildApp } from "../../src/app.js";
import { ConfigError, loadConfig, secureCookies } from "../../src/config.js";
import { auditLog } from "../../src/db/schema/index.js";
import { newReceiptCode } from "../../src/platform/codes.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { Browser } from "../identity/helpers.js";

describe("TRUST_PROXY: a hop count or the proxies' addresses, never 'trust everyone'", () => {
  it("takes 0/false, a hop count, or addresses and CIDRs; refuses a bare true with the reason", () => {
    expect(loadConfig({}).TRUST_PROXY).to.equal(false);
    expect(loadConfig({ TRUST_PROXY: "0" }).TRUST_PROXY).to.equal(false);
    expect(loadConfig({ TRUST_PROXY: "false" }).TRUST_PROXY).to.equal(false);
    expect(loadConfig({ TRUST_PROXY: "1" }).TRUST_PROXY).to.equal(1);
    expect(loadConfig({ TRUST_PROXY: "2" }).TRUST_PROXY).to.equal(2);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.5, 10.0.1.0/24,fd00::/8,loopback" }).TRUST_PROXY).to.deep.equal(["10.0.0.5", "10.0.1.0/24", "fd00::/8", "loopback"]);
    expect(() => loadConfig({ TRUST_PROXY: "true" })).to.throw(ConfigError, /TRUST_PROXY: .*every hop.*X-Forwarded-For/);
    expect(() => loadConfig({ TRUST_PROXY: "on" })).to.throw(ConfigError, /TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: "10.0.0.5,proxy.internal" })).to.throw(ConfigError, /TRUST_PROXY: .*proxy\.internal/);
    expect(() => loadConfig({ TRUST_PROXY: "10.0.0.0/33" })).to.throw(ConfigError, /TRUST_PROXY/);
    // Cookies are Secure whenever a proxy is trusted, and always in production.
    expect(secureCookies(loadConfig({ TRUST_PROXY: "1" }))).to.equal(true);
    expect(secureCookies(loadConfig({ TRUST_PROXY: "10.0.0.5" }))).to.equal(true);
    expect(secureCookies(loadConfig({}))).to.equal(false);
  });

  describe("rate limits and audit addresses", () => {
    let ctx: TestContext;
    let org: Awaited<ReturnType<typeof makeOrg>>;
    beforeEach(async () => {
      ctx = await freshContext();
      org = await makeOrg(ctx);
    });

    /** 21 wrong receipt codes, each claiming another client address; the limit is 20 per client. */
    async function guessesFromForgedAddresses(app: ReturnType<typeof buildApp>): Promise<number[]> {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const browser = new Browser(app, { Host: `${org.slug}.test`, "X-Forwarded-For": `198.51.100.${i + 1}` });
        await browser.get("/sign-in/receipt");
        statuses.push((await browser.post("/sign-in/receipt", { code: newReceiptCode() })).status);
      }
      return statuses;
    }

    it("ignores X-Forwarded-For from a peer that is not a listed proxy: every guess counts against the real peer", async () => {
      // The test client connects from 127.0.0.1, which is not the configured proxy.
      const app = buildApp({ ...ctx, config: { ...ctx.config, TRUST_PROXY: ["10.9.9.9"] } });
      const statuses = await guessesFromForgedAddresses(app);
      expect(statuses.slice(0, 20).every((s) => s === 422)).to.equal(true);
      expect(statuses[20]).to.equal(429);
      // The audit trail names one client, not 21 made-up ones.
      const pseudonyms = new Set((await ctx.db.select().from(auditLog)).map((a) => a.ipPseudonym).filter(Boolean));
      expect(pseudonyms.size).to.equal(1);
    });

    it("believes X-Forwarded-For from a listed proxy (here the loopback peer)", async () => {
      const app = buildApp({ ...ctx, config: { ...ctx.config, TRUST_PROXY: ["127.0.0.1", "::ffff:127.0.0.1", "::1"] } });
      const statuses = await guessesFromForgedAddresses(app);
      expect(statuses.every((s) => s === 422)).to.equal(true);
      const pseudonyms = new Set((await ctx.db.select().from(auditLog)).map((a) => a.ipPseudonym).filter(Boolean));
      expect(pseudonyms.size).to.equal(21);
    });
  });
});
