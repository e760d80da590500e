import type { CookieOptions, Request, RequestHandler, Response, Router } from "express";
import type { z } from "zod";
import type { AppContext } from "../../context.js";
import type { Session } from "../session.js";
import { ValidationError, type FieldErrors } from "../errors.js";
import type { Locale, Translate } from "../i18n.js";
import type { Organization } from "./types.js";
import { parseInput } from "./validate.js";

/**
 * A capability's pages as a table. Each route declares who may come, what it loads (scoped to the
 * organization: another organization's resource is "not found"), the action it authorizes on it,
 * the input it parses, whether it needs a fresh password, the page re-rendered when the input is
 * invalid, and the use case it runs. mountRoutes() does parse → load → authorize → re-auth → run →
 * answer, so a route holds no logic and no role list: roles live in the policies.
 */

/** What a route's functions see of the HTTP request: never `req` or `res` themselves. */
export interface Call<A = unknown, I = unknown, L = unknown> {
  ctx: AppContext;
  org: Organization;
  actor: A;
  input: I;
  loaded: L;
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** The form as sent (the body of a POST, the query of a GET), to fill a re-rendered form in again. */
  form: Record<string, unknown>;
  cookies: Record<string, string>;
  session: Session | undefined;
  locale: Locale;
  t: Translate;
  ip: string | undefined;
  /** "GET", "HEAD" (a GET route answers it too: a download then sends its headers only) or "POST". */
  method: string;
  /** The first of these types the client accepts (content negotiation, as Express's req.accepts), or false. */
  accepts(...types: string[]): string | false;
  /** The path asked for, without the query string. */
  path: string;
  /** The path with its query string, e.g. to come back after signing in. */
  url: string;
}

/** A cookie to set (value) or clear (no value). */
export interface CookieChange {
  name: string;
  value?: string;
  options: CookieOptions;
}

/** What a route answers; the mounting function turns it into the HTTP response. */
export type Answer = (
  | { redirect: string }
  | { view: string; locals?: Record<string, unknown>; status?: number }
  | { json: unknown; status?: number; type?: string }
  /** Streams and files: the one place a route writes the response itself (downloads, CSV, NDJSON). */
  | { send: (res: Response) => Promise<void> | void }
) & { cookies?: CookieChange[]; headers?: Record<string, string> };

/** Who may come to a route, and how their identity is found and re-checked. */
export interface Audience<A> {
  name: "public" | "requester" | "staff";
  /** Runs before the route: signs the visitor in or sends them to sign in. */
  guard?: RequestHandler;
  actorOf(req: Request): A;
  /** Before a route that needs a fresh password: an answer that asks for it, or undefined to go on. */
  reauth?(call: Call<A>): Promise<Answer | undefined>;
}

/** Anyone: pages that need no sign-in (the start page, /verify, how to complain, the sign-in forms). */
export const publicAudience: Audience<undefined> = { name: "public", actorOf: () => undefined };

/** The one check per route: a policy's authorize on the resource the route acts on. */
export type Authorizer<A, Act extends string = string> = (actor: A, action: Act, resource: { kind: string; orgId: string | null }) => void;
export type AbilitiesOf<A> = (actor: A, resource: { kind: string; orgId: string | null }) => Record<string, boolean>;

export interface PageRoute<A = unknown, I = unknown, L = unknown, Act extends string = string> {
  method: "get" | "post";
  path: string;
  who: Audience<A>;
  /** Rate limits and the like, run after the audience's guard. */
  limits?: RequestHandler[];
  /** Loads the resource the route acts on within the caller's organization (throws NotFound otherwise). */
  load?(call: Call<NoInfer<A>, undefined, undefined>): Promise<L>;
  /** Sends some visitors elsewhere before authorizing, e.g. an admin from the queue to their own home. */
  elsewhere?(call: Call<NoInfer<A>>): string | undefined;
  /** The action authorized on `on(loaded)`, or on the organization when there is no `on`. */
  action?: Act;
  on?(loaded: NoInfer<L>, call: Call<NoInfer<A>>): { kind: string; orgId: string | null };
  /** Form fields (POST) or the query (GET), parsed before the use case runs. */
  input?: z.ZodType<I>;
  reauth?: boolean | ((loaded: L) => boolean);
  /** The page shown again, with the field errors, when the input or the use case finds it invalid (422). */
  form?(call: Call<NoInfer<A>, unknown, NoInfer<L>>): Promise<Answer> | Answer;
  /** Put before each field error's key when one page holds several forms ("conversations-periodDays"). */
  fieldPrefix?(call: Call<NoInfer<A>>): string;
  run(call: Call<NoInfer<A>, NoInfer<I>, NoInfer<L>>): Promise<Answer> | Answer;
}

/** Keeps a route's input and loaded types checked against its own schema and loader. */
export function route<A, I = undefined, L = undefined, Act extends string = never>(def: PageRoute<A, I, L, Act>): PageRoute<A, I, L, Act> {
  return def;
}

/** The routes of one capability and the policy their actions are checked by (`policy.forRoutes`). */
export interface RouteTable<A = unknown, Act extends string = string> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route keeps its own input and loaded types
  routes: readonly PageRoute<any, any, any, Act>[];
  authorize?: Authorizer<A, Act>;
  abilities?: AbilitiesOf<A>;
}

/** Fields never echoed back into a re-rendered form. */
const SECRET_FIELDS = new Set(["_csrf", "password", "confirm", "code", "currentPassword"]);

function callOf<A>(ctx: AppContext, req: Request, actor: A): Call<A> {
  const body = req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};
  return {
    ctx, org: req.org, actor, input: undefined, loaded: undefined,
    params: req.params as Record<string, string>, query: req.query as Record<string, unknown>,
    form: req.method === "GET" || req.method === "HEAD" ? (req.query as Record<string, unknown>) : body,
    cookies: (req.cookies ?? {}) as Record<string, string>, session: req.session, locale: req.locale, t: req.t, ip: req.ip, method: req.method, accepts: (...types) => req.accepts(types),
    path: req.originalUrl.split("?")[0]!, url: req.originalUrl,
  };
}

async function answer(res: Response, a: Answer): Promise<void> {
  for (const c of a.cookies ?? []) {
    if (c.value === undefined) res.clearCookie(c.name, c.options);
    else res.cookie(c.name, c.value, c.options);
  }
  if (a.headers) res.set(a.headers);
  if ("redirect" in a) return res.redirect(303, a.redirect);
  if ("view" in a) return void res.status(a.status ?? 200).render(a.view, a.locals ?? {});
  if ("json" in a) return void res.status(a.status ?? 200).type(a.type ?? "application/json").send(JSON.stringify(a.json));
  await a.send(res);
}

function echoedValues(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELDS.has(k)));
}

/** Re-renders the route's form with the errors beside their fields (422). */
async function invalid<A>(res: Response, r: PageRoute<A, unknown, unknown>, call: Call<A>, fieldErrors: FieldErrors): Promise<void> {
  if (!r.form) throw new ValidationError(fieldErrors);
  const page = await r.form(call);
  if (!("view" in page)) return answer(res, page);
  const prefix = r.fieldPrefix?.(call);
  const errors = prefix ? Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [`${prefix}-${k}`, v])) : fieldErrors;
  // What was typed wins over what the form shows when it is first opened.
  await answer(res, { ...page, status: page.status ?? 422, locals: { ...page.locals, values: echoedValues(call.form), fieldErrors: errors } });
}

/** Mounts every route of a table on the router: guard, limits, then one handler doing the rest. */
export function mountRoutes<A, Act extends string>(router: Router, ctx: AppContext, table: RouteTable<A, Act>): void {
  for (const r of table.routes) {
    const before = [...(r.who.guard ? [r.who.guard] : []), ...(r.limits ?? [])];
    router[r.method](r.path, ...before, async (req: Request, res: Response) => {
      const call = callOf(ctx, req, r.who.actorOf(req));
      const away = r.elsewhere?.(call as Call<A>);
      if (away) return res.redirect(303, away);
      if (r.load) call.loaded = await r.load(call as Call<A, undefined, undefined>);
      if (r.action) {
        const resource = r.on ? r.on(call.loaded, call) : { kind: "org", orgId: req.org.id };
        if (!table.authorize) throw new Error(`route ${r.method} ${r.path} names an action but its table has no policy`);
        table.authorize(call.actor as A, r.action, resource);
        if (table.abilities) res.locals.can = table.abilities(call.actor as A, resource);
      }
      const needsReauth = typeof r.reauth === "function" ? r.reauth(call.loaded) : !!r.reauth;
      if (needsReauth && r.who.reauth) {
        const ask = await r.who.reauth(call);
        if (ask) return answer(res, ask);
      }
      try {
        call.input = r.input ? parseInput(r.input, call.form) : undefined;
        await answer(res, await r.run(call));
      } catch (err) {
        if (!(err instanceof ValidationError) || res.headersSent) throw err;
        await invalid(res, r as PageRoute<A, unknown, unknown>, call, err.fieldErrors);
      }
    });
  }
}

/** "method path" of every route of a table, for the tests that compare tables with what is mounted. */
export function routeKeys(table: RouteTable<never> | { routes: readonly { method: string; path: string }[] }): string[] {
  return table.routes.map((r) => `${r.method} ${r.path}`);
}
