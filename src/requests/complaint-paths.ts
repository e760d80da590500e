/**
 * Which complaint paths a request offers its requester, from its state alone (pure: the request
 * page computes it for every request it shows). The path is the one the seeds' Dutch helpline
 * describes: the chat worker (the request's own thread), then the DPO (an internal complaint),
 * then the supervisory authority (GDPR Art. 77).
 */
import { leadAuthority, type SupervisoryAuthority } from "./authorities.js";

/**
 * Why a requester complains: a refusal, no answer in time (still open past its due date), an
 * answer that came late, an answer they dispute, or how their data is handled in general.
 */
export const complaintGrounds = ["rejected", "overdue", "late_answer", "disputed", "handling"] as const;
export type ComplaintGround = (typeof complaintGrounds)[number];

export function isComplaintGround(value: unknown): value is ComplaintGround {
  return typeof value === "string" && (complaintGrounds as readonly string[]).includes(value);
}

export interface ComplaintPaths {
  /** The grounds this request's state gives for a complaint (empty: nothing to complain about yet). */
  grounds: ComplaintGround[];
  refused: boolean;
  overdue: boolean;
  /** Answered (done or refused) after the due date. */
  answeredLate: boolean;
  /** The organization's lead supervisory authority; null when it is not in the directory. */
  authority: SupervisoryAuthority | null;
}

/** `overdue` comes from the one overdue predicate (requests/status-view.ts), so it is passed in, not recomputed. */
export function complaintPaths(status: string, overdue: boolean, authorityCountry: string | null | undefined, answeredLate = false): ComplaintPaths {
  const grounds: ComplaintGround[] = [];
  if (status === "rejected") grounds.push("rejected");
  if (overdue) grounds.push("overdue");
  if (answeredLate) grounds.push("late_answer");
  if (status === "completed") grounds.push("disputed");
  // The handling of one's data in general is always a ground (Art. 38(4), Art. 77).
  grounds.push("handling");
  return { grounds, refused: status === "rejected", overdue, answeredLate, authority: leadAuthority(authorityCountry) };
}

/** Grounds that make the request page say plainly that something went wrong (not "handling", always there). */
export function hasPressingGround(paths: Pick<ComplaintPaths, "grounds">): boolean {
  return paths.grounds.some((g) => g !== "handling");
}
