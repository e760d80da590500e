import type { Tx } from "../db/client.js";
import { requestEvents } from "../db/schema/index.js";
import type { Actor } from "../platform/audit.js";
import type { Clock } from "../context.js";

export interface EventInput {
  kind: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  note?: string | null;
  visibleToRequester?: boolean;
}

/** Records who did what to a request and when, for its timeline. */
export async function recordEvent(tx: Tx, clock: Clock, requestId: string, actor: Actor, e: EventInput): Promise<void> {
  await tx.insert(requestEvents).values({
    requestId,
    at: clock.now(),
    actorType: actor.type === "anonymous" ? "subject" : actor.type,
    actorId: actor.id ?? null,
    actorRole: actor.role ?? null,
    kind: e.kind,
    fromStatus: e.fromStatus ?? null,
    toStatus: e.toStatus ?? null,
    note: e.note ?? null,
    visibleToRequester: e.visibleToRequester === false ? 0 : 1,
  });
}
