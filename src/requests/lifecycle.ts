/**
 * The one lifecycle of a data-subject request. Every status change goes through `transition`,
 * so a move the table does not allow can never reach the database.
 */
import { InvalidTransitionError } from "../platform/errors.js";

export const requestStatuses = [
  "submitted",
  "awaiting_identity",
  "in_review",
  "awaiting_requester",
  "approved",
  "in_progress",
  "completed",
  "rejected",
  "withdrawn",
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/** Allowed moves. The requester may withdraw until work has started; a started job completes. */
export const transitionTable: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  submitted: ["awaiting_identity", "in_review", "rejected", "withdrawn"],
  awaiting_identity: ["in_review", "rejected", "withdrawn"],
  in_review: ["awaiting_identity", "awaiting_requester", "approved", "rejected", "withdrawn"],
  awaiting_requester: ["in_review", "rejected", "withdrawn"],
  approved: ["in_progress", "withdrawn"],
  in_progress: ["completed"],
  completed: [],
  rejected: [],
  withdrawn: [],
};

export const closedStatuses: readonly RequestStatus[] = ["completed", "rejected", "withdrawn"];
export const openStatuses: readonly RequestStatus[] = requestStatuses.filter(
  (s) => !closedStatuses.includes(s),
);

/**
 * The deadline clock pauses only while staff await identity information they asked for (EDPB
 * Guidelines 01/2022). Waiting for the requester on anything else does not stop it.
 */
export const clockPausedStatuses: readonly RequestStatus[] = ["awaiting_identity"];

export function isRequestStatus(x: unknown): x is RequestStatus {
  return typeof x === "string" && (requestStatuses as readonly string[]).includes(x);
}

export function isOpen(status: RequestStatus): boolean {
  return openStatuses.includes(status);
}

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  // Guarded because statuses read from storage are only typed, not checked.
  return isRequestStatus(from) && transitionTable[from].includes(to);
}

export function transition(from: RequestStatus, to: RequestStatus): RequestStatus {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
  return to;
}

/**
 * A closed decision a DPO may reopen from a complaint (the DPO's own review, Art. 38(4) and 77):
 * back into review, never by the ordinary moves above, so nothing else can reopen a request.
 */
export const reopenableStatuses: readonly RequestStatus[] = ["rejected", "completed"];

export function reopenTransition(from: RequestStatus, to: RequestStatus): RequestStatus {
  if (to !== "in_review" || !reopenableStatuses.includes(from)) throw new InvalidTransitionError(from, to);
  return to;
}
