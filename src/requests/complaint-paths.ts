/**
 * Which complaint paths a request offers its requester, from its state alone (pure: the request
 * page computes it for every request it shows). The path is the one the seeds' Dutch helpline
 * describes: the chat worker (the request's own thread), then the DPO (an internal complaint),
 * then the supervisory authority (GDPR Art. 77).
 */
import { leadAuthority, type SupervisoryAuthority } from "./authorities.js";

/** Why a requester complains: a refusal, no answer in time, or an answer they dispute. */
export const complaintGrounds = ["rejected", "overdue", "disputed"] as const;
export type ComplaintGround = (typeof complaintGrounds)[number];

export function isComplaintGround(value: unknown): value is ComplaintGround {
  return typeof value === "string" && (complaintGrounds as readonly string[]).includes(value);
}

export interface ComplaintPaths {
  /** The grounds this request's state gives for a complaint (empty: nothing to complain about yet). */
  grounds: ComplaintGround[];
  refused: boolean;
  overdue: boolean;
  /** The organization's lead supervisory authority; null when it is not in the directory. */
  authority: SupervisoryAuthority | null;
}

/** `overdue` comes from the one overdue predicate (requests/status-view.ts), so it is passed in, not recomputed. */
export function complaintPaths(status: string, overdue: boolean, authorityCountry: string | null | undefined): ComplaintPaths {
  const grounds: ComplaintGround[] = [];
  if (status === "rejected") grounds.push("rejected");
  if (overdue) grounds.push("overdue");
  if (status === "completed") grounds.push("disputed");
  return { grounds, refused: status === "rejected", overdue, authority: leadAuthority(authorityCountry) };
}
