import { expect } from "chai";
import request from "supertest";
import { z } from "zod";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg } from "../support/factories.js";
import { buildApp } from "../../src/app.js";
import { messagesBodySchema } from "../../src/chats/schema.js";

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the app really mounts under /api/, as "METHOD /path/{param}", found by walking the router stacks. */
function mountedApiRoutes(app: { router: { stack: Layer[] } }): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route && layer.route.path.startsWith("/api/")) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== "_all") found.push(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, "{$1}")}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return found.sort();
}

describe("chats: OpenAPI document", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
    await makeOrg(ctx);
  });

  it("is served as OpenAPI 3.1 and lists exactly the routes the app mounts", async () => {
    const app = buildApp(ctx);
    const res = await request(app).get("/api/v1/openapi.json").expect(200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).to.equal("3.1.0");
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const mounted = mountedApiRoutes(app as unknown as { router: { stack: Layer[] } });
    expect(mounted.length).to.be.greaterThan(4);
    expect(documented).to.deep.equal(mounted);
  });

  it("describes every operation with the schemas the routes validate with", async () => {
    const app = buildApp(ctx);
    const doc = (await request(app).get("/api/v1/openapi.json").expect(200)).body;
    const op = doc.paths["/api/v1/conversations/{externalId}/messages"].post;
    const schema = op.requestBody.content["application/json"].schema;
    const { $schema: _s, ...expected } = z.toJSONSchema(messagesBodySchema, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
    expect(schema).to.deep.equal(JSON.parse(JSON.stringify(expected)));
    expect(schema.properties.messages.maxItems).to.equal(1000);
    expect(schema.properties.messages.items.required).to.include.members(["externalId", "senderRole", "body", "sentAt"]);
    expect(op.parameters[0]).to.include({ name: "externalId", in: "path", required: true });
    expect(op.security).to.deep.equal([{ bearerAuth: ["ingest"] }]);
    expect(op.responses["422"].$ref).to.equal("#/components/responses/Problem422");
    expect(doc.components.responses.Problem422.content["application/problem+json"].schema.$ref).to.equal("#/components/schemas/Problem");
  });

  it("each documented operation answers on its route (401 without a token, never 404)", async () => {
    const app = buildApp(ctx);
    const doc = (await request(app).get("/api/v1/openapi.json").expect(200)).body as {
      paths: Record<string, Record<string, { security: unknown[] }>>;
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace(/\{(\w+)\}/g, "x-1");
        const res = await (request(app) as unknown as Record<string, (u: string) => request.Test>)[method]!(url).send({});
        expect(res.status, `${method} ${url}`).to.equal(op.security.length ? 401 : 200);
      }
    }
  });
});
