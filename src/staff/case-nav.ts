/**
 * The case page's way in and out: the outcome banner after an action (a closed set of flags in
 * the address, each a catalog key — never free text) and the link back to the queue with the
 * filters it was opened from.
 */
import { fulfilmentOutcomes } from "../fulfilment/outcomes.js";
import { queueSchema } from "./schema.js";

export const caseOutcomes = [
  "assigned", "noteAdded", "messageSent", "reviewStarted", "askedInfo", "askedIdentity",
  "approved", "rejected", "extended", "erasureConfirmed", "identityChecked", "released",
  ...fulfilmentOutcomes,
] as const;
export type CaseOutcome = (typeof caseOutcomes)[number];

const QUEUE_PATH = "/staff";

/** The queue's filters as a query string, re-parsed so only what the queue accepts survives. */
export function queueState(raw: unknown): string {
  if (typeof raw !== "string" || raw.length > 1000) return "";
  const parsed = queueSchema.parse(Object.fromEntries(new URLSearchParams(raw)));
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(parsed)) if (v && k !== "after") params.set(k, String(v));
  return params.toString();
}

/** The case page's address after an action: the outcome to confirm and the queue to go back to. */
export function caseAddress(id: string, outcome?: CaseOutcome, queue = "", anchor = ""): string {
  const params = new URLSearchParams();
  if (outcome) params.set("done", outcome);
  if (queue) params.set("queue", queue);
  const query = params.toString();
  return `/staff/requests/${id}${query ? `?${query}` : ""}${anchor}`;
}

/** What the case page shows from its address: the banner's catalog key and the way back. */
export function caseNavigation(query: Record<string, unknown>) {
  const done = query.released === "1" ? "released" : query.done;
  const outcome = caseOutcomes.find((o) => o === done);
  const queue = queueState(query.queue);
  return { banner: outcome ? `staff.show.done.${outcome}` : null, queue, queueHref: queue ? `${QUEUE_PATH}?${queue}` : QUEUE_PATH };
}
