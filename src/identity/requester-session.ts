import { and, eq } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { subjects, type AssuranceLevel, type organizations } from "../db/schema/index.js";
import type { NewSession } from "./sessions.js";
import type { Session } from "../platform/session.js";
import type { KeyRing } from "../platform/crypto.js";
import { emailIndexOf } from "../chats/subject-store.js";

/** What the sign-in use cases need to know about the organization. */
export type SignInOrg = Pick<typeof organizations.$inferSelect, "id" | "name" | "verificationMethods">;

/** What every requester sign-in method is given besides its own proof. */
export interface SignInContext {
  org: SignInOrg;
  ip?: string;
  locale?: string;
  /** The session this browser had before (destroyed: the id is regenerated at sign-in). */
  previousSessionIdHash?: string;
}

export type SignInResult =
  | { ok: true; session: Session; token: string }
  | { ok: false; reason: "invalid" | "disabled" };

export type SubjectForSignIn = Pick<typeof subjects.$inferSelect, "id" | "passwordHash" | "emailVerifiedAt" | "staffVerifiedAt"> & { email: string };

/**
 * The subject with this (already normalized) address in this organization, if any: found by the
 * address's blind index, so sign-in needs neither the plaintext column nor the subject's key.
 */
export async function subjectByEmail(db: Executor, keys: KeyRing, orgId: string, email: string): Promise<SubjectForSignIn | undefined> {
  const [row] = await db
    .select({
      id: subjects.id,
      passwordHash: subjects.passwordHash,
      emailVerifiedAt: subjects.emailVerifiedAt,
      staffVerifiedAt: subjects.staffVerifiedAt,
    })
    .from(subjects)
    .where(and(eq(subjects.orgId, orgId), eq(subjects.emailIndex, emailIndexOf(keys, email))))
    .limit(1);
  return row ? { ...row, email } : undefined;
}

/**
 * The session's assurance: how this sign-in proved the person, raised to staff_verified when
 * staff have already verified the subject it proved (receipt sessions name no subject).
 */
export function sessionAssurance(method: AssuranceLevel, subject: Pick<SubjectForSignIn, "staffVerifiedAt"> | undefined): AssuranceLevel {
  return subject?.staffVerifiedAt ? "staff_verified" : method;
}

export function requesterSession(input: {
  orgId: string;
  subjectId: string | null;
  conversationId?: string | null;
  email: string | null;
  assurance: AssuranceLevel;
  locale?: string | null;
}): NewSession {
  return {
    orgId: input.orgId,
    kind: "requester",
    subjectId: input.subjectId,
    staffId: null,
    conversationId: input.conversationId ?? null,
    email: input.email,
    assurance: input.assurance,
    stage: "complete",
    locale: input.locale ?? null,
  };
}
