import { setTimeout as sleep } from "node:timers/promises";

/**
 * Waits until at least `floorMs` have passed since `startedMs` (performance.now()). Used where
 * a known and an unknown account take different paths, so the reply time does not tell them
 * apart; the floor is well above either path's normal duration.
 */
export async function padToFloor(startedMs: number, floorMs: number): Promise<void> {
  const left = floorMs - (performance.now() - startedMs);
  if (left > 0) await sleep(left);
}
