/**
 * Every page each kind of user can reach on the demo data, crawled over HTTP: no id twice on a
 * page, every label pointing at one control of its own, every control labelled, every error
 * link leading into the form that was sent; and no answer to a signed-in user (pages,
 * redirects, error pages, downloads) that a browser or a shared cache may keep.
 */
import { insertSubject, subjectById } from "../../src/chats/subject-store.js";
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import type { Express } from "express";
import request from "supertest";
import { freshContext, type TestContext } from "../support/context.js";
import { ancestors, attr, crawl, elements, idProblems, type Element, type Visit } from "../support/crawl.js";
import { signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { seedDemo } from "../../src/seed/demo.js";
import { conversations, requests, staffUsers, subjects } from "../../src/db/schema/index.js";
import { buildNow } from "../exports/helpers.js";

/** Every route the app mounts, read from Express's own router (nested routers included). */
function routeTable(app: Express): { method: string; path: string }[] {
  type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const out: { method: string; path: string }[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) for (const method of Object.keys(layer.route.methods)) if (method === "get" || method === "post") out.push({ method, path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.filter((r) => !r.path.startsWith("/api/") && r.path !== "/healthz" && r.path !== "/readyz" && !r.path.endsWith("sign-out"));
}

interface User {
  kind: string;
  agent: Agent;
  start: string[];
  signedIn: boolean;
}

describe("every page, for every kind of user", function () {
  this.timeout(600_000);
  let ctx: TestContext;
  let app: Express;
  let users: User[];
  const visits = new Map<string, Visit[]>();

  before(async () => {
    ctx = await freshContext();
    const demo = await seedDemo(ctx);
    app = buildApp(ctx);
    const orgId = demo.orgId;
    const requestOf = async (type: "export" | "erasure", status: "completed" | "rejected") =>
      (await ctx.db.select().from(requests).where(and(eq(requests.type, type), eq(requests.status, status))))[0]!;
    // The requester whose export is done gets files to download; another has a refusal to complain about.
    const exported = await requestOf("export", "completed");
    await buildNow(ctx, exported.id, "export_json");
    const refused = await requestOf("erasure", "rejected");
    const withAccount = await subjectById(ctx.db, ctx.keys, exported.subjectId!);
    const byEmail = await subjectById(ctx.db, ctx.keys, refused.subjectId!);
    const [anonymous] = await ctx.db.select().from(conversations).where(eq(conversations.externalId, "demo-anon-1"));
    const staff = async (role: "reviewer" | "dpo" | "admin") => (await ctx.db.select().from(staffUsers).where(and(eq(staffUsers.orgId, orgId), eq(staffUsers.role, role))))[0]!;
    const staffAgent = async (role: "reviewer" | "dpo" | "admin") => signedInAgent(ctx, app, { orgId, kind: "staff", staffId: (await staff(role)).id });
    const requesterStart = ["/", "/requests", "/requests/new", "/my-data/who-has-seen", "/how-to-complain", "/verify"];
    const staffStart = ["/staff", "/staff/dashboard", "/staff/account", "/staff/complaints", "/staff/audit", "/staff/retention", "/staff/recipients", "/staff/admin/staff"];
    users = [
      { kind: "anonymous", agent: request.agent(app), start: ["/", "/sign-in", "/sign-in/password", "/sign-in/email", "/sign-in/receipt", "/password-reset", "/staff/sign-in", "/how-to-complain", "/verify", "/requests"], signedIn: false },
      { kind: "requester with an account", agent: await signedInAgent(ctx, app, { orgId, subjectId: withAccount!.id, email: withAccount!.email, assurance: "account" }), start: requesterStart, signedIn: true },
      { kind: "requester by e-mail code", agent: await signedInAgent(ctx, app, { orgId, subjectId: byEmail!.id, email: byEmail!.email, assurance: "email" }), start: requesterStart, signedIn: true },
      { kind: "requester by receipt code", agent: await signedInAgent(ctx, app, { orgId, conversationId: anonymous!.id, assurance: "receipt" }), start: requesterStart, signedIn: true },
      { kind: "reviewer", agent: await staffAgent("reviewer"), start: staffStart, signedIn: true },
      { kind: "dpo", agent: await staffAgent("dpo"), start: staffStart, signedIn: true },
      { kind: "admin", agent: await staffAgent("admin"), start: staffStart, signedIn: true },
    ];
    for (const user of users) {
      visits.set(user.kind, await crawl(user.agent, { start: user.start, journeyPrefix: "/requests/new", skip: (p) => p.startsWith("/dev/mail/") }));
    }
  });

  it("reaches the pages of each kind of user", () => {
    const paths = (kind: string) => new Set(visits.get(kind)!.filter((v) => v.status === 200 && v.document).map((v) => v.path.split("?")[0]!.replace(/[0-9a-f-]{36}/g, ":id").replace(/RD-[0-9A-Z-]{9}/g, ":ref")));
    expect([...paths("anonymous")]).to.include.members(["/", "/sign-in/password", "/verify", "/staff/sign-in"]);
    expect([...paths("requester with an account")]).to.include.members(["/requests", "/requests/:ref", "/requests/new/type", "/requests/new/check", "/my-data/who-has-seen"]);
    expect([...paths("requester by receipt code")]).to.include.members(["/requests", "/requests/new/type"]);
    expect([...paths("reviewer")]).to.include.members(["/staff", "/staff/requests/:id"]);
    expect([...paths("dpo")]).to.include.members(["/staff", "/staff/requests/:id", "/staff/dashboard", "/staff/audit"]);
    expect([...paths("admin")]).to.include.members(["/staff/admin/staff"]);
    // The error re-renders are pages too: a note and a message sent too long on a request.
    expect(visits.get("dpo")!.filter((v) => v.method === "POST" && v.status === 422).map((v) => v.path.replace(/[0-9a-f-]{36}/, ":id"))).to.include.members(["/staff/requests/:id/notes", "/staff/requests/:id/messages"]);
  });

  it("on a staff request page, the note and the message to the requester are two controls, each labelled inside its own form", () => {
    const page = visits.get("dpo")!.find((v) => v.method === "GET" && /^\/staff\/requests\/[0-9a-f-]{36}$/.test(v.path) && v.document)!;
    const all = elements(page.document!);
    const controlOf = (action: RegExp) => {
      const form = all.find((el) => el.tagName === "form" && action.test(attr(el, "action") ?? ""))!;
      const label = elements(form).find((el) => el.tagName === "label")!;
      const target = all.filter((el) => attr(el, "id") === attr(label, "for"));
      expect(target, attr(label, "for")).to.have.length(1);
      expect(ancestors(target[0]!)).to.include(form);
      return target[0]!;
    };
    const note = controlOf(/\/notes$/);
    const message = controlOf(/\/messages$/);
    expect(note).to.not.equal(message);
    expect(attr(note, "id")).to.not.equal(attr(message, "id"));
  });

  it("has unique ids, labels pointing at one control of their own, a label on every control, and error links into the form sent", () => {
    const found: string[] = [];
    for (const [kind, list] of visits) {
      for (const visit of list.filter((v) => v.document)) for (const problem of idProblems(visit)) found.push(`${kind}: ${visit.method} ${visit.path} (${visit.status}): ${problem}`);
    }
    expect([...new Set(found)], [...new Set(found)].join("\n")).to.deep.equal([]);
  });

  it("gives every text area a character count, and names its limit when it comes back too long", () => {
    const found: string[] = [];
    for (const [kind, list] of visits) {
      for (const visit of list.filter((v) => v.document)) {
        const all = elements(visit.document!);
        for (const area of all.filter((el) => el.tagName === "textarea")) {
          const where = `${kind}: ${visit.method} ${visit.path} (${visit.status}) <textarea name="${attr(area, "name")}">`;
          const group = ancestors(area).find((el) => attr(el, "data-module") === "character-count");
          const max = group && attr(group, "data-maxlength");
          if (!max) { found.push(`${where}: no character count`); continue; }
          const errorId = (attr(area, "aria-describedby") ?? "").split(" ").find((id) => id.endsWith("-error"));
          const error = errorId && all.find((el) => attr(el, "id") === errorId);
          // "Enter 5,000 characters or fewer", "Syötä enintään 5 000 merkkiä": the digits of the limit, whatever the grouping.
          if (error && !textOf(error).replace(/[\s,.\u00a0\u202f]/g, "").includes(max)) found.push(`${where}: error "${textOf(error).trim()}" does not say the limit ${max}`);
        }
      }
    }
    expect([...new Set(found)], [...new Set(found)].join("\n")).to.deep.equal([]);
  });

  it("answers no-store on every route of the route tables: to signed-in users always, to anyone behind a sign-in", async () => {
    const kept: string[] = [];
    for (const route of routeTable(app)) {
      const path = route.path.replace(/:reference/g, "RD-0000-0000").replace(/:(\w+)/g, (_m, name: string) => (/id$/i.test(name) ? "00000000-0000-4000-8000-000000000000" : "x"));
      const guarded = /^\/(requests|staff|my-data)(\/|$)/.test(path);
      for (const user of users) {
        if (!user.signedIn && !(guarded && route.method === "get")) continue;
        const res = await (route.method === "get" ? user.agent.get(path) : user.agent.post(path).type("form").send({})).redirects(0);
        if (!/\bno-store\b/.test(res.headers["cache-control"] ?? "")) kept.push(`${user.kind}: ${route.method.toUpperCase()} ${route.path} → ${res.status}`);
      }
    }
    expect(kept, kept.join("\n")).to.deep.equal([]);
  });

  it("answers every signed-in user with Cache-Control: no-store: pages, redirects, error pages and downloads", () => {
    const kept: string[] = [];
    for (const user of users.filter((u) => u.signedIn)) {
      for (const v of visits.get(user.kind)!) if (!/\bno-store\b/.test(v.headers["cache-control"] ?? "")) kept.push(`${user.kind}: ${v.method} ${v.path} → ${v.status}`);
    }
    const downloads = [...visits.values()].flat().filter((v) => /\/download\//.test(v.path) && v.status === 200);
    expect(downloads, "the crawl downloads a file").to.not.have.length(0);
    expect(kept, kept.join("\n")).to.deep.equal([]);
  });
});

/** The text a person reads inside an element. */
function textOf(el: Element): string {
  return el.childNodes.map((c) => ("tagName" in c ? textOf(c) : "value" in c ? c.value : "")).join("");
}
