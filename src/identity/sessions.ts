import type { RequestHandler, Response } from "express";
import { and, eq, lt } from "drizzle-orm";
import type { AppContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { sessions, subjects, type AssuranceLevel } from "../db/schema/index.js";
import { randomToken, sha256Hex } from "../platform/crypto.js";
import { secureCookies } from "../config.js";
import { setNoStore } from "../platform/http/no-store.js";
import { carryEidIntoSignIn } from "./eid-link.js";

import type { Session } from "../platform/session.js";
export type NewSession = Omit<typeof sessions.$inferInsert, "idHash" | "lastSeenAt" | "expiresAt" | "createdAt">;

export const SESSION_COOKIE = "rd_session";
export const IDLE_TIMEOUT_MS = 30 * 60_000;
/** Sessions end after this however active they are. */
const ABSOLUTE_MS = 12 * 60 * 60_000;
/** Do not write last_seen_at on every request. */
const TOUCH_AFTER_MS = 60_000;

/**
 * Starts a session. The old one (if any) is destroyed: the id is always regenerated at sign-in,
 * so a planted cookie never becomes an authenticated session.
 */
export async function startSession(
  ctx: AppContext,
  res: Response,
  data: NewSession,
  previous?: Session,
  db: Executor = ctx.db,
): Promise<Session> {
  const { session, token } = await createSession(ctx, db, data, previous?.idHash);
  setSessionCookie(ctx, res, token);
  return session;
}

/**
 * The database half of startSession, for use cases that start a session inside their own
 * transaction (so the sign-in, its audit entry and the session commit together). The caller
 * sets the cookie with setSessionCookie once the transaction has committed.
 */
export async function createSession(
  ctx: Pick<AppContext, "clock"> & Partial<Pick<AppContext, "keys">>,
  db: Executor,
  data: NewSession,
  previousIdHash?: string,
): Promise<{ session: Session; token: string }> {
  // A strong eID proved earlier in this session goes on, linked to the subject this sign-in proves.
  if (previousIdHash && ctx.keys && !data.eidIdentityId) {
    const carried = await carryEidIntoSignIn({ clock: ctx.clock, keys: ctx.keys }, db, previousIdHash, data);
    if (carried) data = { ...data, ...carried };
  }
  if (previousIdHash) await db.delete(sessions).where(eq(sessions.idHash, previousIdHash));
  const token = randomToken();
  const now = ctx.clock.now();
  const [session] = await db
    .insert(sessions)
    .values({ ...data, idHash: sha256Hex(token), lastSeenAt: now, expiresAt: new Date(now.getTime() + ABSOLUTE_MS) })
    .returning();
  // A sign-in is activity: retention's "inactive accounts" rule counts from the latest one.
  if (data.kind === "requester" && data.subjectId) await db.update(subjects).set({ lastActivityAt: now }).where(eq(subjects.id, data.subjectId));
  return { session: session!, token };
}

function cookieOptions(ctx: AppContext) {
  return { httpOnly: true, sameSite: "lax", secure: secureCookies(ctx.config), path: "/" } as const;
}

export function setSessionCookie(ctx: AppContext, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, token, cookieOptions(ctx));
}

/** The session cookie as a route table's answer sets it. */
export function sessionCookieChange(ctx: AppContext, token: string) {
  return { name: SESSION_COOKIE, value: token, options: cookieOptions(ctx) };
}

export function clearSessionCookie(ctx: AppContext, res: Response): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(ctx));
}

/** The session cookie cleared, as a route table's answer clears it. */
export function clearedSessionCookieChange(ctx: AppContext) {
  return { name: SESSION_COOKIE, options: cookieOptions(ctx) };
}

/** Deletes a session's row (its cookie is cleared by the caller). */
export async function deleteSession(ctx: AppContext, session: Session): Promise<void> {
  await ctx.db.delete(sessions).where(eq(sessions.idHash, session.idHash));
}

export async function endSession(ctx: AppContext, res: Response, session: Session | undefined): Promise<void> {
  if (session) await deleteSession(ctx, session);
  clearSessionCookie(ctx, res);
}

/** Loads the session named by the cookie: idle and absolute timeouts enforced, org must match. */
export function loadSession(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const token = req.cookies?.[SESSION_COOKIE] as string | undefined;
    if (!token) return next();
    const now = ctx.clock.now();
    const [session] = await ctx.db.select().from(sessions).where(eq(sessions.idHash, sha256Hex(token)));
    const alive =
      session &&
      session.orgId === req.org.id &&
      session.expiresAt > now &&
      now.getTime() - session.lastSeenAt.getTime() < IDLE_TIMEOUT_MS;
    if (!alive) {
      if (session) await ctx.db.delete(sessions).where(eq(sessions.idHash, session.idHash));
      clearSessionCookie(ctx, res);
      return next();
    }
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
      await ctx.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, session.idHash));
    }
    req.session = session;
    res.locals.session = session;
    // Whatever a signed-in person is answered may show who they are: never kept by a cache.
    setNoStore(res);
    next();
  };
}

export async function updateSession(ctx: AppContext, session: Session, patch: Partial<NewSession> & { reauthAt?: Date }): Promise<void> {
  await ctx.db.update(sessions).set(patch).where(eq(sessions.idHash, session.idHash));
}

export async function purgeExpiredSessions(ctx: AppContext): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.delete(sessions).where(lt(sessions.expiresAt, now));
  await ctx.db.delete(sessions).where(and(lt(sessions.lastSeenAt, new Date(now.getTime() - IDLE_TIMEOUT_MS))));
}

export function assuranceOf(session: Session | undefined): AssuranceLevel | undefined {
  return session?.assurance as AssuranceLevel | undefined;
}
