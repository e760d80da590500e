import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { expect } from "chai";
import express from "express";
import request from "supertest";
import { buildApp } from "../../src/app.js";
import { ConflictError, ForbiddenError, InvalidTransitionError, NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from "../../src/platform/errors.js";
import { translator, type Locale } from "../../src/platform/i18n.js";
import { escapeHtml } from "../../src/platform/text.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";

type Res = Pick<request.Response, "status" | "headers" | "text" | "body">;

/**
 * A POST with exactly these bytes (supertest re-serializes a Buffer sent as a form or as JSON,
 * which would spoil a compressed body), over a real socket.
 */
async function rawPost(app: express.Express, path: string, headers: Record<string, string>, body: Buffer): Promise<Res> {
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    return await new Promise<Res>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, method: "POST", path, headers: { ...headers, "Content-Length": String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const json = /json/.test(res.headers["content-type"] ?? "");
          resolve({ status: res.statusCode!, headers: res.headers as Res["headers"], text, body: json ? (JSON.parse(text) as unknown) : {} });
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  } finally {
    server.close();
  }
}

/** Routes that fail in each way the error handler knows, mounted where the capability routers are. */
function failingRoutes(): express.Router {
  const router = express.Router();
  const errors: Record<string, () => Error> = {
    "not-found": () => new NotFoundError("thing"),
    forbidden: () => new ForbiddenError(),
    unauthenticated: () => new UnauthenticatedError(),
    validation: () => new ValidationError({ email: "platform.errors.email" }),
    "invalid-transition": () => new InvalidTransitionError("received", "completed"),
    conflict: () => new ConflictError(),
    // A use case's own conflict code, which has no catalog entry of its own.
    "conflict-own-code": () => new ConflictError("export_not_failed"),
    "rate-limited": () => new RateLimitedError(600),
    plain: () => new Error("database password is hunter2"),
  };
  for (const [name, make] of Object.entries(errors)) {
    router.get(`/test-errors/${name}`, () => {
      throw make();
    });
    router.get(`/api/v1/test-errors/${name}`, () => {
      throw make();
    });
  }
  router.get("/test-errors/after-headers", (_req, res, next) => {
    res.status(200).type("text/plain");
    res.write("first half of a download ");
    setTimeout(() => next(new Error("the disk went away")), 10);
  });
  return router;
}

const cases: { path: string; status: number; code: string }[] = [
  { path: "/test-errors/not-found", status: 404, code: "not_found" },
  { path: "/test-errors/forbidden", status: 403, code: "forbidden" },
  { path: "/test-errors/unauthenticated", status: 401, code: "unauthenticated" },
  { path: "/test-errors/validation", status: 422, code: "validation" },
  { path: "/test-errors/invalid-transition", status: 409, code: "invalid_transition" },
  { path: "/test-errors/conflict", status: 409, code: "conflict" },
  { path: "/test-errors/conflict-own-code", status: 409, code: "export_not_failed" },
  { path: "/test-errors/rate-limited", status: 429, code: "rate_limited" },
  { path: "/test-errors/plain", status: 500, code: "internal" },
  { path: "/no-such-page", status: 404, code: "not_found" },
];

/** The localized error page: right status, language and title, and nothing of the internals. */
function expectErrorPage(res: Res, status: number, code: string, locale: Locale): void {
  const t = translator(locale);
  expect(res.status, res.text.slice(0, 300)).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^text\/html/);
  expect(res.text).to.include(`<html lang="${locale}">`);
  expect(res.text).to.include(`<h1>${escapeHtml(t(`platform.errors.${code}.title`))}</h1>`);
  expect(res.text).to.include(escapeHtml(t("platform.errors.backHome")));
  expectNoInternals(res.text);
}

function expectNoInternals(text: string): void {
  expect(text).not.to.match(/ReferenceError|TypeError|is not defined|hunter2|disk went away/);
  expect(text).not.to.match(/\bat [^\n]*\([^)]*:\d+:\d+\)|node_modules|\.ts:\d+/);
}

function expectProblem(res: Res, status: number, code: string, locale: Locale = "en"): void {
  expect(res.status, res.text.slice(0, 300)).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
  expect((res.body as { status: number }).status).to.equal(status);
  expect((res.body as { type: string }).type).to.equal(`https://rightsdesk.invalid/problems/${code}`);
  expect((res.body as { title: string }).title).to.equal(translator(locale)(`platform.errors.${code}.title`));
  expectNoInternals(res.text);
}

for (const nodeEnv of ["development", "production"] as const) {
  describe(`platform: the error page renders on every error path (NODE_ENV=${nodeEnv})`, () => {
    let ctx: TestContext;
    let app: express.Express;

    beforeEach(async () => {
      ctx = await freshContext({ config: { NODE_ENV: nodeEnv, production: nodeEnv === "production" } });
      await makeOrg(ctx, { defaultLocale: "en" });
      app = buildApp(ctx, { ready: true }, { routers: [failingRoutes()] });
    });

    it("renders each error class as the localized page with its status, and as problem+json for the API and JSON callers", async () => {
      for (const c of cases) {
        expectErrorPage(await request(app).get(c.path).set("Accept-Language", "fi"), c.status, c.code, "fi");
        expectErrorPage(await request(app).get(c.path), c.status, c.code, "en");
        expectProblem(await request(app).get(c.path).set("Accept", "application/json"), c.status, c.code);
        expectProblem(await request(app).get(`/api/v1${c.path}`), c.status, c.code);
      }
      const limited = await request(app).get("/test-errors/rate-limited");
      expect(limited.headers["retry-after"]).to.equal("600");
      expect(limited.text).to.include(escapeHtml(translator("en")("platform.errors.rate_limited.message", { minutes: 10 })));
    });

    it("cuts the connection when an error comes after the headers were sent, so a half answer never looks whole", async () => {
      const outcome = await request(app)
        .get("/test-errors/after-headers")
        .then((res) => ({ res, err: undefined as unknown }), (err: unknown) => ({ res: undefined, err }));
      expect(outcome.res, "the response must not complete").to.equal(undefined);
      expect(String((outcome.err as Error).message)).to.match(/aborted|socket hang up|ECONNRESET/);
    });

    it("renders a form body that is too large, has too many fields or an unknown charset as the localized page", async () => {
      const big = `_csrf=x&email=${"a".repeat(70 * 1024)}`;
      expectErrorPage(await request(app).post("/sign-in").type("form").set("Accept-Language", "sv").send(big), 413, "too_large", "sv");
      const many = Array.from({ length: 1200 }, (_, i) => `f${i}=1`).join("&");
      expectErrorPage(await request(app).post("/sign-in").type("form").set("Accept-Language", "nl").send(many), 413, "too_large", "nl");
      const koi8 = await request(app).post("/sign-in").set("Content-Type", "application/x-www-form-urlencoded; charset=koi8-r").set("Accept-Language", "et").send("a=1");
      expectErrorPage(koi8, 415, "bad_request", "et");
    });

    it("renders compressed form bodies: a gzip bomb is too large, broken gzip and an unknown encoding are refused, a small deflate body is read", async () => {
      const bomb = zlib.gzipSync(Buffer.alloc(5 * 1024 * 1024, "a"));
      expect(bomb.length).to.be.below(64 * 1024);
      const sendRaw = (encoding: string, body: Buffer) =>
        rawPost(app, "/sign-in", { "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": encoding, "Accept-Language": "fi" }, body);
      expectErrorPage(await sendRaw("gzip", bomb), 413, "too_large", "fi");
      expectErrorPage(await sendRaw("gzip", Buffer.from("this is not gzip")), 400, "bad_request", "fi");
      expectErrorPage(await sendRaw("zstd", Buffer.from("a=1")), 415, "bad_request", "fi");
      // Read and then refused for its missing CSRF token: the body parser let it through.
      expectErrorPage(await sendRaw("deflate", zlib.deflateSync("email=a%40b.test")), 403, "forbidden", "fi");
    });

    it("answers malformed, too large and compressed-bomb JSON on the API with problem+json", async () => {
      const post = () => request(app).post("/api/v1/conversations/c-1/messages").set("Content-Type", "application/json");
      expectProblem(await post().send('{"messages": [tru'), 400, "bad_request");
      expectProblem(await post().send(`{"x":"${"a".repeat(1_100_000)}"}`), 413, "too_large");
      const sendRaw = (encoding: string, body: Buffer) =>
        rawPost(app, "/api/v1/conversations/c-1/messages", { "Content-Type": "application/json", "Content-Encoding": encoding }, body);
      expectProblem(await sendRaw("gzip", zlib.gzipSync(`{"x":"${"a".repeat(3_000_000)}"}`)), 413, "too_large");
      expectProblem(await sendRaw("gzip", Buffer.from("{}")), 400, "bad_request");
      expectProblem(await sendRaw("br2", Buffer.from("{}")), 415, "bad_request");
    });
  });
}

describe("platform: which organization answers a host", () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await freshContext({ config: { NODE_ENV: "development", production: false } });
  });

  it("with no organization at all, renders the localized not-set-up page (503)", async () => {
    const app = buildApp(ctx);
    expectErrorPage(await request(app).get("/").set("Accept-Language", "fi"), 503, "not_set_up", "fi");
    expectErrorPage(await request(app).post("/sign-in").type("form").send("email=a"), 503, "not_set_up", "en");
    expectProblem(await request(app).get("/").set("Accept", "application/json"), 503, "not_set_up");
  });

  it("with one organization, answers any host with it (single tenant)", async () => {
    const only = await makeOrg(ctx);
    const res = await request(buildApp(ctx)).get("/").set("Host", "anything.example");
    expect(res.status).to.equal(200);
    expect(res.text).to.include(escapeHtml(only.name));
  });

  it("with several, answers each host with its own and an unknown host with a 404 that names no organization", async () => {
    const first = await makeOrg(ctx, { defaultLocale: "sv" });
    const second = await makeOrg(ctx);
    const app = buildApp(ctx);
    const own = await request(app).get("/").set("Host", second.hostnames[0]!);
    expect(own.status).to.equal(200);
    expect(own.text).to.include(escapeHtml(second.name));

    const unknown = await request(app).get("/").set("Host", "unknown.example").set("Accept-Language", "fi");
    expectErrorPage(unknown, 404, "unknown_host", "fi");
    expect(unknown.text).not.to.include(escapeHtml(first.name));
    expect(unknown.text).not.to.include(escapeHtml(second.name));
    expect(unknown.text).to.include(escapeHtml(translator("fi")("platform.layout.serviceName")));
    const form = await request(app).post("/sign-in").set("Host", "unknown.example").type("form").send("email=a");
    expectErrorPage(form, 404, "unknown_host", "en");
    // The API is bound to the token's organization, not to the host; the first organization's
    // default language words the problem.
    expectProblem(await request(app).put("/api/v1/subjects/x").set("Host", "unknown.example").send({}), 401, "unauthenticated", "sv");
  });
});
