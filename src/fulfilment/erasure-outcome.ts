/**
 * What a requester is shown of an erasure after it (issue 18): counts by kind, what was kept under
 * which legal ground, the date and where to complain. Read from the request's proof of erasure;
 * only non-personal facts, because the page is reached by a link and not by a sign-in (there is
 * nobody left to sign in).
 */
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { requests } from "../db/schema/index.js";
import { isErasureOutcomeSignature } from "../identity/erasure-outcome-link.js";
import type { Organization } from "../platform/http/types.js";
import { leadAuthority } from "../requests/authorities.js";
import { legalHoldReasons } from "../requests/result.js";
import { readResult } from "../requests/result.js";

export interface ErasureOutcomeView {
  reference: string;
  erasedAt: Date;
  conversations: number;
  messages: number;
  profile: boolean;
  /** Conversations kept, counted per legal ground ("other" for any ground without its own words). */
  kept: { reason: (typeof legalHoldReasons)[number] | "other"; count: number }[];
  authority: { name: string; url: string } | null;
}

const groundOf = (reason: string) => ((legalHoldReasons as readonly string[]).includes(reason) ? (reason as (typeof legalHoldReasons)[number]) : "other");

/**
 * The outcome of the erasure request with this reference in this organization, or undefined when
 * the signature does not match (a guessed reference), the reference is unknown or names no
 * carried-out erasure. The caller answers all of these alike.
 */
export async function erasureOutcome(ctx: AppContext, org: Organization, reference: string, signature: unknown): Promise<ErasureOutcomeView | undefined> {
  if (!isErasureOutcomeSignature(ctx.keys, org.id, reference, signature)) return undefined;
  const [row] = await ctx.db.select({ result: requests.result }).from(requests).where(and(eq(requests.orgId, org.id), eq(requests.reference, reference))).limit(1);
  const result = row ? readResult(row) : undefined;
  if (!result?.erasure) return undefined;
  const kept = new Map<ErasureOutcomeView["kept"][number]["reason"], number>();
  for (const k of result.kept) kept.set(groundOf(k.reason), (kept.get(groundOf(k.reason)) ?? 0) + 1);
  const a = leadAuthority(org.authorityCountry);
  return {
    reference,
    erasedAt: new Date(result.completedAt ?? result.startedAt),
    conversations: result.erasure.counts.conversations,
    messages: result.erasure.counts.messages,
    profile: result.erasure.counts.profile > 0,
    kept: [...kept].map(([reason, count]) => ({ reason, count })),
    authority: a && /^https:\/\//.test(a.complaintUrl) ? { name: a.nameLocal, url: a.complaintUrl } : null,
  };
}
