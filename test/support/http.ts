import request from "supertest";
import type { Express } from "express";
import { sessions } from "../../src/db/schema/index.js";
import { randomToken, sha256Hex } from "../../src/platform/crypto.js";
import type { TestContext } from "./context.js";

export type Agent = ReturnType<typeof request.agent>;

/** A browser-like agent already signed in (a session row + its cookie), for tests of later steps. */
export async function signedInAgent(
  ctx: TestContext,
  app: Express,
  s: { orgId: string; kind?: "requester" | "staff"; subjectId?: string | null; staffId?: string | null; conversationId?: string | null; email?: string | null; assurance?: string; host?: string },
): Promise<Agent> {
  const token = randomToken();
  const now = ctx.clock.now();
  await ctx.db.insert(sessions).values({
    idHash: sha256Hex(token), orgId: s.orgId, kind: s.kind ?? "requester", subjectId: s.subjectId ?? null, staffId: s.staffId ?? null,
    conversationId: s.conversationId ?? null, email: s.email ?? null, assurance: s.assurance ?? "account", stage: "complete",
    reauthAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 3_600_000),
  });
  const agent = request.agent(app);
  agent.set("Cookie", `rd_session=${token}`);
  if (s.host) agent.set("Host", s.host);
  return agent;
}

/** The CSRF token of the form on a page (and the agent keeps the matching cookie). */
export async function csrfFrom(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path);
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!match) throw new Error(`no CSRF token on ${path} (status ${res.status})`);
  return match[1]!;
}
