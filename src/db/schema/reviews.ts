import { index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { bytea, createdAt, id, ts } from "./columns.js";
import { organizations, staffUsers } from "./organizations.js";
import { conversations } from "./chats.js";
import { requests } from "./requests.js";

/**
 * The DPO's review of an access, export or police package before it is released (Art. 15(4)):
 * one per request. While it is open the request stays approved and nothing is built.
 */
export const packageReviews = pgTable("package_reviews", {
  id: id(),
  orgId: uuid("org_id").notNull().references(() => organizations.id),
  requestId: uuid("request_id").notNull().unique().references(() => requests.id, { onDelete: "cascade" }),
  status: text("status").$type<"open" | "released">().notNull().default("open"),
  /** Pages of the review the DPO saved ("<conversationId>:<page>"), to show what is still unseen. */
  pagesSaved: jsonb("pages_saved").$type<string[]>().notNull().default([]),
  releasedBy: uuid("released_by").references(() => staffUsers.id),
  releasedAt: ts("released_at"),
  createdAt: createdAt(),
});

export const redactionItemTypes = ["message", "note"] as const;
export type RedactionItemType = (typeof redactionItemTypes)[number];

/**
 * One redaction of a package: a span of a message or note, or the whole item. Where it is and
 * what it covers (offsets, kind, the covered text) is sealed under the conversation's data key
 * like the text itself, so erasing the conversation shreds its redactions too. The reason is a
 * code from a closed list, never free text.
 */
export const packageRedactions = pgTable(
  "package_redactions",
  {
    id: id(),
    reviewId: uuid("review_id").notNull().references(() => packageReviews.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    conversationId: uuid("conversation_id").notNull().references(() => conversations.id, { onDelete: "cascade" }),
    itemType: text("item_type").$type<RedactionItemType>().notNull(),
    /** messages.id (as text) or notes.id. */
    itemId: text("item_id").notNull(),
    /** 1: the whole message or note is withheld. */
    whole: integer("whole").notNull().default(0),
    /** "suggested" (accepted from the engine) or "added" by the DPO. */
    origin: text("origin").$type<"suggested" | "added">().notNull(),
    reason: text("reason").notNull(),
    detailEnc: bytea("detail_enc").notNull(),
    createdBy: uuid("created_by").references(() => staffUsers.id),
    createdAt: createdAt(),
  },
  (t) => [index("package_redactions_review").on(t.reviewId, t.conversationId)],
);
