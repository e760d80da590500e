/**
 * Test seam for crash safety: a fulfilment names each step it finishes, and a caller (a test)
 * may ask it to fail right after one of them. The failure happens inside the fulfilment's single
 * transaction, so it must leave every table exactly as before.
 */
export const fulfilmentSteps = ["started", "conversations", "statements", "flags", "recipients", "notice", "profile", "exports", "completed"] as const;
export type FulfilmentStep = (typeof fulfilmentSteps)[number];

export interface FulfilmentOptions {
  /** Throw right after this step (tests only). */
  faultAfter?: FulfilmentStep;
}

export class InjectedFault extends Error {
  constructor(readonly step: FulfilmentStep) {
    super(`injected fault after ${step}`);
    this.name = "InjectedFault";
  }
}

/** Marks a step as done; throws when the caller asked for a fault right here. */
export function stepDone(opts: FulfilmentOptions | undefined, step: FulfilmentStep): void {
  if (opts?.faultAfter === step) throw new InjectedFault(step);
}
