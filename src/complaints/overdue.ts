/**
 * Overdue, for complaints. The predicate already lives in requests/status-view.ts (open — not
 * completed, rejected or withdrawn — and the organization's local date is after the current due
 * date, a running identity pause included); the staff queue filters by the same rule in SQL. This names it for complaint code rather
 * than restating it.
 */
import type { Organization } from "../platform/http/types.js";
import type { RequestRow } from "../requests/change-status.js";
import { requestStatusView } from "../requests/status-view.js";

export function isRequestOverdue(request: RequestRow, org: Pick<Organization, "timeZone" | "country" | "authorityCountry">, now: Date): boolean {
  return requestStatusView(request, org, now).overdue;
}
