import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "./change-status.js";
import { currentDueDate, daysLeft, isOverdue, localDate } from "./deadlines.js";
import { isOpen, type RequestStatus } from "./lifecycle.js";
import { complaintPaths, type ComplaintPaths } from "./complaint-paths.js";
import { requesterFulfilmentView, type RequesterFulfilmentView } from "./result.js";

export interface RequestStatusView extends RequestRow {
  open: boolean;
  overdue: boolean;
  daysLeft: number;
  /** The date the request must be answered by now: extended and paused-adjusted. */
  workingDue: string;
  /** What the requester can do if they are not satisfied (complaints/paths.ts). */
  complaintPaths: ComplaintPaths;
  /** What was done, what was kept and why, and who was told (fulfilment/result.ts). */
  fulfilment: RequesterFulfilmentView | null;
}

/** A request with what its pages show: open or closed, overdue in the organization's time zone, days left. */
export function requestStatusView(r: RequestRow, org: Pick<Organization, "timeZone" | "country" | "authorityCountry">, now: Date): RequestStatusView {
  const open = isOpen(r.status as RequestStatus);
  const workingDue = currentDueDate(r, org, now);
  const overdue = open && isOverdue(now, workingDue, org.timeZone);
  const answeredAt = r.status === "completed" ? r.completedAt : r.status === "rejected" ? r.decidedAt : null;
  const answeredLate = !!answeredAt && localDate(answeredAt, org.timeZone) > workingDue;
  return {
    ...r, open, workingDue, overdue, daysLeft: daysLeft(now, workingDue, org.timeZone),
    complaintPaths: complaintPaths(r.status, overdue, org.authorityCountry, answeredLate), fulfilment: requesterFulfilmentView(r),
  };
}
