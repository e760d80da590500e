import { z } from "zod";
import type { ApiRoute } from "./api-route.js";
import { problemSchema } from "./schema.js";

/**
 * The OpenAPI 3.1 document, built from the route table and its zod schemas (z.toJSONSchema,
 * JSON Schema 2020-12 — OpenAPI 3.1's own dialect). Request bodies are described as the client
 * sends them (io: "input"), responses as the server writes them.
 */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, "{$1}");

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

const problemDescriptions: Record<number, string> = {
  400: "The body is not valid JSON.",
  401: "Missing, unknown or revoked token.",
  403: "The token lacks the scope.",
  404: "No such record in the token's organization.",
  409: "Refused: the conversation was erased, or the receipt code or e-mail belongs to another record.",
  413: "The body is larger than 1 MB.",
  422: "Validation failed; `errors` names each field by its path (e.g. messages.3.sentAt).",
  429: "Too many requests for this token; see Retry-After.",
};

const commonProblems = [400, 401, 403, 413, 422, 429];

export function buildOpenApiDocument(routes: ApiRoute[], opts: { prefix: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const problems = r.scope ? [...new Set([...commonProblems, ...r.problems])].sort() : r.problems;
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        content: { "application/json": { schema: res.schema ? jsonSchema(res.schema, "output") : { type: "object" } } },
      };
    }
    for (const status of problems) responses[String(status)] = { $ref: `#/components/responses/Problem${status}` };
    const operation: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.scope ? "ingest" : "meta"],
      security: r.scope ? [{ bearerAuth: [r.scope] }] : [],
      ...(r.params
        ? {
            parameters: Object.entries(r.params.shape).map(([name, schema]) => ({
              name, in: "path", required: true, schema: jsonSchema(schema as z.ZodType, "input"),
            })),
          }
        : {}),
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(r.body, "input") } } } } : {}),
      responses,
    };
    (paths[`${opts.prefix}${openApiPath(r.path)}`] ??= {})[r.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Rightsdesk chat platform API",
      version: "1",
      description:
        "Pushes a helpline chat platform's accounts, conversations, messages and notes into Rightsdesk. " +
        "Every write is idempotent by the platform's own ids. Errors are RFC 9457 problem+json.",
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "An organization's API token (rdk_…), created by an admin and shown once." },
      },
      schemas: { Problem: jsonSchema(problemSchema, "output") },
      responses: Object.fromEntries(
        Object.entries(problemDescriptions).map(([status, description]) => [
          `Problem${status}`,
          { description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
        ]),
      ),
    },
  };
}
