/**
 * schema.json of the Art. 20 export: a JSON Schema (draft 2020-12) for every JSON file in the
 * package. Times are ISO 8601 with the organization's UTC offset; text is UTF-8.
 */
export const SCHEMA_ID = "https://rightsdesk.invalid/schemas/export/v1";

const dateTime = { type: "string", format: "date-time", description: "ISO 8601 date and time with UTC offset, e.g. 2026-02-01T12:00:00.000+02:00" };
const nullableDateTime = { anyOf: [dateTime, { type: "null" }] };
const nullableString = { type: ["string", "null"] };
const sha256 = { type: "string", pattern: "^[0-9a-f]{64}$" };

export const exportJsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: SCHEMA_ID,
  title: "Rightsdesk data export (GDPR Art. 20)",
  description:
    "Every JSON file in this package, by file name: profile.json → #/$defs/profile; conversations/*.json → #/$defs/conversation; notes.json → #/$defs/notes; information.json → #/$defs/information; manifest.json → #/$defs/manifest. All files are UTF-8. All times are ISO 8601 with the organization's UTC offset. Chat workers appear by role and other participants under a pseudonym (GDPR Art. 15(4)).",
  "x-files": {
    "profile.json": "#/$defs/profile",
    "conversations/*.json": "#/$defs/conversation",
    "notes.json": "#/$defs/notes",
    "information.json": "#/$defs/information",
    "manifest.json": "#/$defs/manifest",
  },
  $defs: {
    profile: {
      type: "object",
      description: "The requester as the organization knows them, their requests, and the conversations in this package.",
      required: ["format", "organization", "request", "knownBy", "subject", "requests", "conversations"],
      additionalProperties: false,
      properties: {
        format: { const: "rightsdesk-profile/1" },
        organization: { type: "object", required: ["name"], properties: { name: { type: "string" } }, additionalProperties: false },
        request: {
          type: "object",
          required: ["reference", "type", "receivedAt"],
          additionalProperties: false,
          properties: { reference: { type: "string" }, type: { type: "string" }, receivedAt: dateTime },
        },
        knownBy: { enum: ["account", "receipt_code"], description: "account: a person with an e-mail address or chat account; receipt_code: known only through a conversation's receipt code." },
        subject: {
          anyOf: [
            { type: "null" },
            {
              type: "object",
              additionalProperties: false,
              required: ["email", "displayName", "locale", "createdAt"],
              properties: {
                email: nullableString,
                displayName: nullableString,
                locale: nullableString,
                chatPlatformId: { ...nullableString, description: "Your id on the chat platform." },
                emailVerifiedAt: nullableDateTime,
                identityVerifiedByStaffAt: nullableDateTime,
                restrictedAt: { ...nullableDateTime, description: "Since when the use of your data is restricted (Art. 18)." },
                researchObjectionAt: { ...nullableDateTime, description: "Since when you object to research use (Art. 21)." },
                consentWithdrawnAt: nullableDateTime,
                lastActivityAt: nullableDateTime,
                createdAt: dateTime,
              },
            },
          ],
        },
        requests: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["reference", "type", "status", "receivedAt"],
            properties: { reference: { type: "string" }, type: { type: "string" }, status: { type: "string" }, receivedAt: dateTime, completedAt: nullableDateTime },
          },
        },
        conversations: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["file", "id", "startedAt"],
            properties: { file: { type: "string" }, id: { type: "string" }, startedAt: dateTime, topic: nullableString },
          },
        },
      },
    },
    message: {
      type: "object",
      additionalProperties: false,
      required: ["sentAt", "senderRole", "sender", "body"],
      properties: {
        sentAt: dateTime,
        senderRole: { enum: ["subject", "worker", "system", "other"], description: "subject: you; worker: a chat worker; system: an automatic message; other: another participant." },
        sender: { type: "string", description: "How the sender is shown: \"You\", the worker's role, or a pseudonym such as \"Participant A\"." },
        body: { type: "string" },
      },
    },
    conversation: {
      type: "object",
      additionalProperties: false,
      required: ["format", "id", "topic", "startedAt", "endedAt", "timeZone", "messageCount", "messages", "statements"],
      properties: {
        format: { const: "rightsdesk-conversation/1" },
        id: { type: "string" },
        topic: nullableString,
        language: nullableString,
        startedAt: dateTime,
        endedAt: nullableDateTime,
        timeZone: { type: "string", description: "IANA time zone of the times shown in the readable transcript." },
        ipAddress: { ...nullableString, description: "The IP address the chat came from, as stored (null if not kept)." },
        onLegalHold: { type: "boolean", description: "Kept beyond the usual period because of a legal obligation (Art. 17(3))." },
        restricted: { type: "boolean" },
        messageCount: { type: "integer", minimum: 0 },
        messages: { type: "array", items: { $ref: "#/$defs/message" } },
        statements: {
          type: "array",
          description: "Statements you asked us to attach (Art. 16): the chat itself is never rewritten.",
          items: { type: "object", additionalProperties: false, required: ["createdAt", "body"], properties: { createdAt: dateTime, body: { type: "string" } } },
        },
      },
    },
    notes: {
      type: "object",
      additionalProperties: false,
      required: ["format", "notes"],
      properties: {
        format: { const: "rightsdesk-notes/1" },
        notes: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["conversationId", "createdAt", "body"],
            properties: { conversationId: { type: "string" }, createdAt: dateTime, body: { type: "string" } },
          },
        },
      },
    },
    information: {
      type: "object",
      description: "The information of GDPR Art. 15(1)(a)–(h) and what was withheld (Art. 15(4)).",
      additionalProperties: false,
      required: ["format", "controller", "purposes", "legalBases", "categories", "recipients", "disclosures", "retention", "source", "transfers", "automatedDecisionMaking", "rights", "supervisoryAuthority", "withheld"],
      properties: {
        format: { const: "rightsdesk-information/1" },
        controller: { type: "object", properties: { name: { type: "string" }, dpoEmail: nullableString } },
        purposes: { type: "array", items: { type: "string" } },
        legalBases: { type: "array", items: { type: "string" } },
        categories: { type: "array", items: { type: "string" } },
        recipients: { type: "array", items: { type: "object", properties: { name: { type: "string" }, description: nullableString } } },
        disclosures: { type: "array", items: { type: "string" }, description: "Disclosures recorded about these conversations, e.g. a child-protection report." },
        retention: { type: "array", items: { type: "string" } },
        source: { type: "array", items: { type: "string" } },
        transfers: {
          type: "object",
          description: "Transfers outside the EEA and their safeguards (GDPR Art. 15(2)); details says so when there are none.",
          required: ["outsideEea", "details"],
          properties: { outsideEea: { type: "boolean" }, details: { type: "array", items: { type: "string" } } },
        },
        automatedDecisionMaking: { type: "string" },
        rights: { type: "array", items: { type: "string" } },
        supervisoryAuthority: {
          anyOf: [
            { type: "null" },
            {
              type: "object",
              properties: {
                country: { type: "string" }, name: { type: "string" }, nameEnglish: { type: "string" },
                postalAddress: { type: "array", items: { type: "string" } }, complaintUrl: { type: "string" }, website: { type: "string" },
              },
            },
          ],
        },
        withheld: {
          type: "array",
          items: {
            type: "object",
            required: ["kind", "basis"],
            properties: {
              kind: { enum: ["worker_names", "participant_identities", "counsellor_notes", "conversations_not_linked", "redacted_passages", "withheld_messages", "withheld_notes"] },
              count: { type: "integer" },
              reason: { type: "string" },
              reasonCode: { type: "string", description: "Why the DPO's review withheld it: third_party_rights (Art. 15(4)), national_law (Art. 23), crime_prevention, legal_privilege, counsellor_confidentiality." },
              basis: { type: "string" },
              description: { type: "string" },
            },
          },
        },
        partialRefusalNotice: {
          description: "GDPR Art. 12(4): present when the DPO's review withheld parts of the chats (shown there as \"[withheld: reason]\"): the reasons, the supervisory authority and the court.",
          anyOf: [
            { type: "null" },
            {
              type: "object",
              properties: {
                heading: { type: "string" }, intro: { type: "string" }, reasons: { type: "array", items: { type: "string" } },
                authority: { type: "string" }, court: { type: "string" },
              },
            },
          ],
        },
        erasedConversations: {
          type: "array",
          items: { type: "object", properties: { startedAt: dateTime, topic: nullableString, erasedAt: nullableDateTime, erasedByReference: nullableString } },
        },
      },
    },
    manifest: {
      type: "object",
      description: "SHA-256 of every other file, signed with the organization's Ed25519 key over the canonical JSON (sorted keys, no whitespace) of this object without \"signature\".",
      required: ["format", "exportId", "kind", "organization", "request", "issuedAt", "verificationCode", "files", "signature"],
      properties: {
        format: { const: "rightsdesk-manifest/1" },
        exportId: { type: "string" },
        kind: { enum: ["access_zip", "export_json"] },
        organization: { type: "object", properties: { id: { type: "string" }, name: { type: "string" }, signingKeySha256: sha256 } },
        request: { type: "object", properties: { reference: { type: "string" } } },
        issuedAt: dateTime,
        verificationCode: { type: "string" },
        verifyUrl: { type: "string" },
        locale: { type: "string" },
        files: {
          type: "array",
          items: { type: "object", required: ["path", "sha256", "bytes"], properties: { path: { type: "string" }, sha256, bytes: { type: "integer" } } },
        },
        signature: {
          type: "object",
          required: ["algorithm", "value"],
          properties: { algorithm: { const: "Ed25519" }, keySha256: sha256, signedData: { type: "string" }, value: { type: "string", contentEncoding: "base64" } },
        },
      },
    },
  },
} as const;
