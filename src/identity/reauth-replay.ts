import { eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { sessions } from "../db/schema/index.js";
import type { Session } from "../platform/session.js";

/**
 * A form refused only because re-authentication was due is kept here (sessions.draft, server
 * side, never in the browser or a URL) so that after the password the staff member sends it again
 * with one click and nothing typed is lost.
 */
export interface KeptForm {
  /** The path the form was posted to, e.g. /staff/requests/<id>/reject. */
  action: string;
  fields: Record<string, string | string[]>;
  staffId: string;
  keptAt: string;
}

const DRAFT_KEY = "reauthForm";
/** A kept form outlives the re-authentication page, not the working day. */
const KEEP_MS = 30 * 60_000;
export const RESUME_PATH = "/staff/reauth/resume";

/** The form's fields minus the CSRF token (a new one goes into the re-sent form). */
function keptFields(body: unknown): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  if (!body || typeof body !== "object") return fields;
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (name === "_csrf" || !/^[\w.-]{1,64}$/.test(name)) continue;
    if (typeof value === "string") fields[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) fields[name] = value as string[];
  }
  return fields;
}

function draftOf(session: Session): Record<string, unknown> {
  return (session.draft ?? {}) as Record<string, unknown>;
}

export async function keepFormForReauth(ctx: AppContext, session: Session, staffId: string, action: string, body: unknown): Promise<void> {
  const kept: KeptForm = { action, fields: keptFields(body), staffId, keptAt: ctx.clock.now().toISOString() };
  const draft = { ...draftOf(session), [DRAFT_KEY]: kept };
  await ctx.db.update(sessions).set({ draft }).where(eq(sessions.idHash, session.idHash));
  session.draft = draft;
}

/** The kept form of this staff member, unless it is too old. */
export function keptForm(ctx: AppContext, session: Session | undefined, staffId: string): KeptForm | undefined {
  if (!session) return undefined;
  const kept = draftOf(session)[DRAFT_KEY] as KeptForm | undefined;
  if (!kept || kept.staffId !== staffId || !kept.action.startsWith("/staff/")) return undefined;
  if (ctx.clock.now().getTime() - Date.parse(kept.keptAt) > KEEP_MS) return undefined;
  return kept;
}

/** Forgets the kept form once a guarded action goes ahead (sent again, or sent anew). */
export async function dropKeptForm(ctx: AppContext, session: Session | undefined): Promise<void> {
  if (!session || !(DRAFT_KEY in draftOf(session))) return;
  const { [DRAFT_KEY]: _dropped, ...rest } = draftOf(session);
  const draft = Object.keys(rest).length ? rest : null;
  await ctx.db.update(sessions).set({ draft }).where(eq(sessions.idHash, session.idHash));
  session.draft = draft;
}
