import type { Audience } from "../platform/http/route-table.js";
import { requesterOf, requireRequester, type Requester } from "./guards.js";

/** A signed-in requester (chat account, e-mail code or receipt code): others are sent to sign in. */
export const requesterAudience: Audience<Requester> = {
  name: "requester",
  guard: requireRequester(),
  actorOf: (req) => requesterOf(req)!,
};
