/**
 * The shared walk of the authorization matrices: every route × role × own/other organization,
 * plus an anonymous visitor. Each test keeps its own route table, fixtures, expected statuses and
 * leak checks; this file only signs people in, sends the request and collects what went wrong.
 */
import { expect } from "chai";
import request, { type Response } from "supertest";
import type { Express } from "express";
import { buildApp } from "../../src/app.js";
import type { StaffRole } from "../../src/db/schema/index.js";
import { freshContext, type TestContext } from "./context.js";
import { makeOrg, makeStaff } from "./factories.js";
import { signedInAgent, type Agent } from "./http.js";

export const staffRoles: readonly StaffRole[] = ["reviewer", "dpo", "admin"];

export type Member = Awaited<ReturnType<typeof makeStaff>>;
/** One staff member of each role, per organization id. */
export type StaffByOrg = Record<string, Record<StaffRole, Member>>;
interface OrgRef { id: string; slug: string }

/**
 * One row of a capability's role specification, kept in test/ apart from the code: the roles that
 * may use a staff route on their own organization's data, and whether it acts on one resource
 * (another organization's is then "not found").
 */
export interface ExpectedRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  onOneResource?: boolean;
}

export interface Cell { who: StaffRole | "anonymous"; own: boolean; label: string }

export interface Matrix {
  ctx: TestContext;
  app: Express;
  /** The organization whose resources the routes act on. */
  orgA: OrgRef;
  orgB: OrgRef;
  staffIn: StaffByOrg;
  /** Whether the anonymous visitor comes to organization A's host (true) or B's. */
  anonymousOwn: boolean;
}

export async function staffOfEachRole(ctx: TestContext, orgs: OrgRef[]): Promise<StaffByOrg> {
  const staffIn: StaffByOrg = {};
  for (const org of orgs) {
    const members = {} as Record<StaffRole, Member>;
    for (const role of staffRoles) members[role] = await makeStaff(ctx, org.id, role);
    staffIn[org.id] = members;
  }
  return staffIn;
}

/** "method path" of every route an Express router mounts (optionally only some paths), sorted. */
export function mountedRoutes(router: { stack: unknown[] }, keep: (path: string) => boolean = () => true): string[] {
  return (router.stack as { route?: { path: string; methods: Record<string, boolean> } }[])
    .filter((l) => l.route && keep(l.route.path))
    .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${l.route!.path}`))
    .sort();
}

/** "method path" of every route a table declares, sorted, to compare with mountedRoutes(). */
export function declaredRoutes(routes: readonly { method: string; path: string }[]): string[] {
  return routes.map((r) => `${r.method} ${r.path}`).sort();
}

/** The anonymous visitor, then each role in its own organization and in the other one. */
export function cellsOf(anonymousOwn: boolean): Cell[] {
  const cell = (who: Cell["who"], own: boolean): Cell => ({ who, own, label: `${who}/${own ? "own" : "other"}` });
  return [cell("anonymous", anonymousOwn), ...staffRoles.flatMap((who) => [cell(who, true), cell(who, false)])];
}

/**
 * The usual answer: visitors are sent to sign in (a POST is refused outright), another
 * organization's resource is not found, a role without the right is forbidden, and otherwise a
 * page is shown or a form redirects.
 */
export function expectedStatus(route: { method: "get" | "post"; roles: readonly StaffRole[] }, cell: Cell, onOneResource: boolean): number {
  if (cell.who === "anonymous") return route.method === "get" ? 303 : 401;
  if (onOneResource && !cell.own) return 404;
  if (!route.roles.includes(cell.who)) return 403;
  return route.method === "get" ? 200 : 303;
}

export async function csrfOf(agent: Agent): Promise<string> {
  const page = await agent.get("/staff/sign-in");
  return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
}

export function agentFor(m: Matrix, cell: Cell): Promise<Agent> | Agent {
  const org = cell.own ? m.orgA : m.orgB;
  if (cell.who === "anonymous") return request.agent(m.app).host(`${org.slug}.test`);
  return signedInAgent(m.ctx, m.app, { orgId: org.id, kind: "staff", staffId: m.staffIn[org.id]![cell.who].id, host: `${org.slug}.test` });
}

/** What one cell sends; `want` -1 checks only "no 5xx" (and whatever `inspect` looks at). */
export interface Prepared { url: string; body?: Record<string, string>; want: number }

/**
 * Walks every cell of one route: prepares fresh data, sends the request as that visitor, and
 * returns each unexpected status, server error and whatever `inspect` finds (an empty list: all
 * as expected).
 */
export async function walkRoute<P extends Prepared>(
  m: Matrix,
  method: "get" | "post",
  prepare: (cell: Cell) => Promise<P> | P,
  inspect: (res: Response, cell: Cell, prepared: P) => Promise<string[]> | string[] = () => [],
): Promise<string[]> {
  const problems: string[] = [];
  for (const cell of cellsOf(m.anonymousOwn)) {
    const p = await prepare(cell);
    const agent = await agentFor(m, cell);
    // The token first: an agent request picks up the jar's cookies when it is created.
    const token = method === "post" ? await csrfOf(agent) : "";
    const res = method === "get" ? await agent.get(p.url) : await agent.post(p.url).type("form").send({ ...(p.body ?? {}), _csrf: token });
    if (p.want !== -1 && res.status !== p.want) problems.push(`${cell.label}: got ${res.status}, want ${p.want}`);
    if (res.status >= 500) problems.push(`${cell.label}: server error ${res.status}`);
    problems.push(...(await inspect(res, cell, p)));
  }
  return problems;
}

/**
 * The whole matrix of a screen whose resource is the host's own organization (settings, retention
 * rules): two organizations with one staff member of each role, the router's mounted routes against
 * its table, and every route walked (no "other organization's" resource exists, so no 404). Then
 * the one attack such a screen must withstand: an admin of organization B, with B's session on A's
 * host, posts a change — refused (401), and what `snapshot` reads of A is unchanged.
 */
export function describeOwnOrgScreen(title: string, screen: {
  slugs: [string, string];
  router: (ctx: TestContext) => { stack: unknown[] };
  routes: readonly { method: "get" | "post"; path: string; roles: readonly StaffRole[] }[];
  fixtures: Record<string, { url?: string; body?: Record<string, string> }>;
  attack: { path: string; body: Record<string, string>; snapshot: (ctx: TestContext, orgId: string) => Promise<unknown> };
  more?: (m: () => Matrix) => void;
}): void {
  describe(title, function () {
    this.timeout(120_000);
    let matrix: Matrix;

    before(async () => {
      const ctx = await freshContext();
      const orgA = await makeOrg(ctx, { slug: screen.slugs[0] });
      const orgB = await makeOrg(ctx, { slug: screen.slugs[1] });
      matrix = { ctx, app: buildApp(ctx), orgA, orgB, staffIn: await staffOfEachRole(ctx, [orgA, orgB]), anonymousOwn: true };
    });

    it("lists every route the router mounts", () => {
      expect(mountedRoutes(screen.router(matrix.ctx))).to.deep.equal(declaredRoutes(screen.routes));
    });

    for (const route of screen.routes) {
      it(`${route.method.toUpperCase()} ${route.path}`, async () => {
        const fx = screen.fixtures[`${route.method} ${route.path}`] ?? {};
        const results = await walkRoute(matrix, route.method, (cell) => ({ url: fx.url ?? route.path, body: fx.body, want: expectedStatus(route, cell, false) }));
        expect(results, results.join("\n")).to.deep.equal([]);
      });
    }

    it("a staff session of one organization cannot change another's (its host signs it out)", async () => {
      const { ctx, app, orgA, orgB, staffIn } = matrix;
      const agent = await signedInAgent(ctx, app, { orgId: orgB.id, kind: "staff", staffId: staffIn[orgB.id]!.admin.id, host: `${orgA.slug}.test` });
      const token = await csrfOf(agent);
      const before = await screen.attack.snapshot(ctx, orgA.id);
      const res = await agent.post(screen.attack.path).type("form").send({ ...screen.attack.body, _csrf: token });
      expect(res.status).to.equal(401);
      expect(await screen.attack.snapshot(ctx, orgA.id)).to.deep.equal(before);
    });

    screen.more?.(() => matrix);
  });
}
