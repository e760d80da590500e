/**
 * The banners the case page shows after a fulfilment action: flags in the address, each a catalog
 * key (staff.show.done.<outcome>). Staff's case navigation owns the banner; it lists these with
 * its own outcomes, since fulfilment sits below staff and cannot import it.
 */
export const fulfilmentOutcomes = [
  "carriedOut", "holdSet", "holdRenewed", "holdLifted", "liftNotified", "restrictionLifted", "taskConfirmed",
] as const;
export type FulfilmentOutcome = (typeof fulfilmentOutcomes)[number];

/** The request's case page with the banner for what was just done. */
export function casePageAfter(requestId: string, outcome: FulfilmentOutcome): string {
  return `/staff/requests/${requestId}?done=${outcome}`;
}
