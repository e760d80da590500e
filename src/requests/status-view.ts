import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "./change-status.js";
import { daysLeft, isOverdue } from "./deadlines.js";
import { isOpen, type RequestStatus } from "./lifecycle.js";

export interface RequestStatusView extends RequestRow {
  open: boolean;
  overdue: boolean;
  daysLeft: number;
  /** The date the request must be answered by now: extended and paused-adjusted. */
  workingDue: string;
}

/** A request with what its pages show: open or closed, overdue in the organization's time zone, days left. */
export function requestStatusView(r: RequestRow, org: Pick<Organization, "timeZone">, now: Date): RequestStatusView {
  const open = isOpen(r.status as RequestStatus);
  const workingDue = r.effectiveDueDate;
  return { ...r, open, workingDue, overdue: open && isOverdue(now, workingDue, org.timeZone), daysLeft: daysLeft(now, workingDue, org.timeZone) };
}
