import { Router, type ErrorRequestHandler, type Request, type RequestHandler } from "express";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { ConflictError, ValidationError } from "../platform/errors.js";
import { toFieldErrors } from "../platform/http/validate.js";
import { clientIp, limiter } from "../platform/http/rate-limit.js";
import { apiActor, requireApiToken } from "./api-tokens.js";
import { route, type ApiRoute } from "./api-route.js";
import { upsertSubject } from "./upsert-subject.js";
import { conversationByExternalId, upsertConversation } from "./upsert-conversation.js";
import { appendConversationMessages } from "./append-conversation-messages.js";
import { appendConversationNotes } from "./append-conversation-notes.js";
import { buildOpenApiDocument } from "./openapi.js";
import { pgErrorCode } from "./ingest.js";
import {
  appendResultSchema, conversationBodySchema, conversationResourceSchema, externalIdParamsSchema,
  messagesBodySchema, notesBodySchema, subjectBodySchema, subjectResourceSchema,
} from "./schema.js";

/**
 * The chat platform's JSON API under /api/v1. Every route is one entry of `chatsApiRoutes`:
 * the same entry mounts the handler (validating with its zod schemas) and describes the operation
 * in the OpenAPI document, so the document cannot list a route that does not exist, or miss one.
 */
export const API_PREFIX = "/api/v1";

export const chatsApiRoutes: ApiRoute[] = [
  route({
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document",
    scope: null,
    responses: { 200: { description: "The OpenAPI 3.1 document." } },
    problems: [],
    handle: async ({ ctx }) => ({ status: 200, body: openApiDocument(ctx) }),
  }),
  route({
    method: "put",
    path: "/subjects/:externalId",
    operationId: "putSubject",
    summary: "Create or replace a chat account's profile",
    description: "Idempotent: the same body again changes nothing and answers 200 with the same result.",
    scope: "ingest",
    params: externalIdParamsSchema,
    body: subjectBodySchema,
    responses: {
      200: { description: "Updated, or unchanged.", schema: subjectResourceSchema },
      201: { description: "Created.", schema: subjectResourceSchema },
    },
    problems: [409],
    handle: async ({ ctx, params, body, principal, ip }) => {
      const r = await upsertSubject(ctx, apiActor(principal), { orgId: principal.orgId, externalId: params.externalId, body, ip });
      return { status: r.outcome === "created" ? 201 : 200, body: r.resource };
    },
  }),
  route({
    method: "put",
    path: "/conversations/:externalId",
    operationId: "putConversation",
    summary: "Create or replace a conversation's metadata",
    description: "Idempotent. An erased conversation takes no writes (409 conversation_erased).",
    scope: "ingest",
    params: externalIdParamsSchema,
    body: conversationBodySchema,
    responses: {
      200: { description: "Updated, or unchanged.", schema: conversationResourceSchema },
      201: { description: "Created.", schema: conversationResourceSchema },
    },
    problems: [409],
    handle: async ({ ctx, params, body, principal, ip }) => {
      const r = await upsertConversation(ctx, apiActor(principal), { orgId: principal.orgId, externalId: params.externalId, body, ip });
      return { status: r.outcome === "created" ? 201 : 200, body: r.resource };
    },
  }),
  route({
    method: "get",
    path: "/conversations/:externalId",
    operationId: "getConversation",
    summary: "A conversation's metadata, with whether the person objected to research",
    description: "Read before using a conversation for research: researchObjection true means leave it out (GDPR Art. 21(6)).",
    scope: "ingest",
    params: externalIdParamsSchema,
    responses: { 200: { description: "The conversation.", schema: conversationResourceSchema } },
    problems: [404],
    handle: async ({ ctx, params, principal }) => ({ status: 200, body: await conversationByExternalId(ctx, principal.orgId, params.externalId) }),
  }),
  route({
    method: "post",
    path: "/conversations/:externalId/messages",
    operationId: "appendMessages",
    summary: "Append up to 1000 messages to a conversation",
    description: "Idempotent on each message's externalId: a replay stores nothing twice and answers the same.",
    scope: "ingest",
    params: externalIdParamsSchema,
    body: messagesBodySchema,
    responses: { 200: { description: "Stored (or already stored).", schema: appendResultSchema } },
    problems: [404, 409],
    handle: async ({ ctx, params, body, principal, ip }) => ({
      status: 200,
      body: await appendConversationMessages(ctx, apiActor(principal), { orgId: principal.orgId, externalId: params.externalId, messages: body.messages, ip }),
    }),
  }),
  route({
    method: "post",
    path: "/conversations/:externalId/notes",
    operationId: "appendNotes",
    summary: "Attach worker notes to a conversation",
    description: "Idempotent on each note's externalId.",
    scope: "ingest",
    params: externalIdParamsSchema,
    body: notesBodySchema,
    responses: { 200: { description: "Stored (or already stored).", schema: appendResultSchema } },
    problems: [404, 409],
    handle: async ({ ctx, params, body, principal, ip }) => ({
      status: 200,
      body: await appendConversationNotes(ctx, apiActor(principal), { orgId: principal.orgId, externalId: params.externalId, notes: body.notes, ip }),
    }),
  }),
];

let cachedDocument: { baseUrl: string; doc: object } | undefined;
function openApiDocument(ctx: AppContext): object {
  if (cachedDocument?.baseUrl !== ctx.config.BASE_URL) {
    cachedDocument = { baseUrl: ctx.config.BASE_URL, doc: buildOpenApiDocument(chatsApiRoutes, { prefix: API_PREFIX, serverUrl: ctx.config.BASE_URL }) };
  }
  return cachedDocument.doc;
}

export interface ChatsApiOptions {
  /** Requests per token per window (default 600 a minute). */
  rateLimit?: { windowMs: number; limit: number };
}

/** Mounts every route of the table; middleware is per route, so other paths are untouched. */
export function chatsApiRouter(ctx: AppContext, opts: ChatsApiOptions = {}): Router {
  const router = Router();
  const perToken = limiter(ctx, {
    name: "api-token",
    windowMs: opts.rateLimit?.windowMs ?? 60_000,
    limit: opts.rateLimit?.limit ?? 600,
    key: (req) => req.apiToken?.tokenId,
  });
  for (const r of chatsApiRoutes) {
    const guards: RequestHandler[] = r.scope ? [requireApiToken(ctx, r.scope), perToken] : [];
    router[r.method](`${API_PREFIX}${r.path}`, ...guards, async (req: Request, res) => {
      const params = r.params ? parseApiInput(r.params, req.params) : undefined;
      const body = r.body ? parseApiInput(r.body, req.body) : undefined;
      const result = await r.handle({ ctx, params, body, principal: req.apiToken!, ip: clientIp(req) });
      res.status(result.status).json(result.body);
    });
  }
  router.use(API_PREFIX, chatsProblems());
  return router;
}

/**
 * parseInput, except that an unknown field is reported at its own path ("messages.2.passwrod")
 * rather than at the object holding it, so the client sees which field to drop.
 */
export function parseApiInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const unknownKeys = result.error.issues.filter((i) => i.code === "unrecognized_keys");
  const fields = toFieldErrors(new z.ZodError(result.error.issues.filter((i) => i.code !== "unrecognized_keys")));
  for (const issue of unknownKeys) {
    for (const key of issue.keys) fields[[...issue.path, key].map(String).join(".")] ??= "chats.api.errors.unknownField";
  }
  throw new ValidationError(fields);
}

/** A lost race on a unique key (the same record sent twice at once) is a conflict, not a 500. */
function chatsProblems(): ErrorRequestHandler {
  return (err: unknown, _req, _res, next) => next(pgErrorCode(err) === "23505" ? new ConflictError() : err);
}
