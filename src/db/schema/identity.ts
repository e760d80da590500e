import { index, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "./columns.js";
import { organizations } from "./organizations.js";
import { dataKeys, subjects } from "./chats.js";

/**
 * A person proved by strong eID. The national identifier is kept only as a keyed blind index
 * (HMAC under a key derived from the master key, bound to the organization), the name from the
 * provider only sealed (shown to staff to verify). Linked to a subject only through a verified
 * path (chat account or e-mail code in the same session, or a staff decision), never by name.
 */
export const eidIdentities = pgTable(
  "eid_identities",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organizations.id),
    identifierIndex: text("identifier_index").notNull(),
    subjectId: uuid("subject_id").references(() => subjects.id, { onDelete: "set null" }),
    /** How the link was made: chat_account | email_code | staff. */
    linkedBy: text("linked_by"),
    linkedAt: ts("linked_at"),
    nameEnc: text("name_enc"),
    /** The key the name is sealed under: deleting it shreds the name. */
    dataKeyId: uuid("data_key_id").references(() => dataKeys.id, { onDelete: "set null" }),
    provider: text("provider").notNull(),
    lastAcr: text("last_acr"),
    lastSeenAt: ts("last_seen_at"),
    createdAt: createdAt(),
  },
  (t) => [unique("eid_identities_org_index").on(t.orgId, t.identifierIndex), index("eid_identities_subject").on(t.subjectId)],
);
