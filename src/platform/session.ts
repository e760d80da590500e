import type { sessions } from "../db/schema/index.js";

/** A signed-in browser's session row (requester or staff): identity/sessions.ts keeps it. */
export type Session = typeof sessions.$inferSelect;
