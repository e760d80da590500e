import type { z } from "zod";
import type { AppContext } from "../context.js";
import type { ApiPrincipal, ApiScope } from "./api-tokens.js";

/** One operation of the chat platform's API: mounted by api-routes.ts, described by openapi.ts. */
export interface ApiCall<P, B> {
  ctx: AppContext;
  params: P;
  body: B;
  /** Present on every route with a scope. */
  principal: ApiPrincipal;
  ip: string | undefined;
}

export interface ApiResult {
  status: number;
  body: unknown;
}

export interface ApiRoute {
  method: "get" | "put" | "post";
  /** Express path below API_PREFIX, e.g. "/subjects/:externalId". */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** null: public (no token). */
  scope: ApiScope | null;
  params?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Problem statuses this route can answer besides the common ones. */
  problems: number[];
  handle(call: ApiCall<unknown, unknown>): Promise<ApiResult>;
}

/** Keeps each handler's params and body typed by its own schemas. */
export function route<P extends z.ZodObject | undefined, B extends z.ZodType | undefined>(
  def: Omit<ApiRoute, "params" | "body" | "handle"> & {
    params?: P;
    body?: B;
    handle(call: ApiCall<P extends z.ZodObject ? z.infer<P> : undefined, B extends z.ZodType ? z.infer<B> : undefined>): Promise<ApiResult>;
  },
): ApiRoute {
  return def as unknown as ApiRoute;
}
