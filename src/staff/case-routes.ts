/**
 * One request's case page and everything done on it, as a route table: each action loads the
 * request within the organization, is authorized by the staff policy, re-authenticates where it
 * cannot be undone, asks once more on a page of its own before an erasure step, and goes back to
 * the case page saying what was done (or shows it again with the errors beside the failed form).
 */
import { z } from "zod";
import { staffAudience } from "../identity/audience.js";
import { ValidationError } from "../platform/errors.js";
import { route, type Answer, type Call } from "../platform/http/route-table.js";
import type { StaffActor } from "../platform/policy.js";
import type { RequestRow } from "../requests/change-status.js";
import { extendRequest } from "../requests/extend-request.js";
import { postRequestMessage } from "../requests/post-message.js";
import { staffRequest } from "../requests/request-by-id.js";
import { transcriptStatements } from "../fulfilment/statements.js";
import { addRequestNote } from "./add-note.js";
import { approveRequest } from "./approve-request.js";
import { askForIdentity } from "./ask-for-identity.js";
import { askRequester } from "./ask-requester.js";
import { assignRequest } from "./assign-request.js";
import { caseAddress, caseNavigation, queueState, type CaseOutcome } from "./case-nav.js";
import { confirmErasure } from "./confirm-erasure.js";
import { erasureConfirmPage, type ConfirmPage } from "./confirm-pages.js";
import { detailPageLocals } from "./detail-page.js";
import type { Action } from "./policies.js";
import { checkRefusal, rejectRequest } from "./reject-request.js";
import { askIdentitySchema, assignSchema, CASE_TEXT_LIMITS, REQUESTER_MESSAGE_MAX, textSchema, transcriptQuerySchema } from "./schema.js";
import { startReview } from "./start-review.js";
import { conversationForRequest, viewTranscript } from "./view-transcript.js";

type CaseCall<I = unknown> = Call<StaffActor, I, RequestRow>;

export const loadRequest = ({ ctx, actor, params }: Call<StaffActor>) => staffRequest(ctx, actor.orgId, String(params.id));
export const requestResource = (r: RequestRow) => ({ kind: "request" as const, orgId: r.orgId, type: r.type, erasureApprovedBy: r.erasureApprovedBy });

/** The case page again, the failed form's fields kept and its errors beside them. */
export const casePage = (failedAction: string) => async (call: Call<StaffActor, unknown, RequestRow>): Promise<Answer> => ({
  view: "staff/show",
  locals: await detailPageLocals(call, call.loaded, { ...caseNavigation({ queue: call.form.queue }), failedAction, values: call.form }),
});

const field = z.string().optional().transform((s) => s ?? "");
const refusalSchema = z.object({ legalGround: field, reason: field, message: field, law: field });
type RefusalInput = z.infer<typeof refusalSchema>;
const messageSchema = textSchema("message", REQUESTER_MESSAGE_MAX);
const messageBodySchema = z.object({
  body: z.string().max(CASE_TEXT_LIMITS.message.body, "platform.errors.tooLong").default("").transform((s) => s.trim()).pipe(z.string().min(1, "platform.errors.required")),
});
const extendSchema = z.object({
  kind: z.string({ error: "staff.errors.extensionKind" }).min(1, "staff.errors.extensionKind"),
  reason: z.string().max(CASE_TEXT_LIMITS.extend.reason, "platform.errors.tooLong").default(""),
});
const askIdentityForm = askIdentitySchema.transform((i) => ({ ...i, accountOverride: i.accountOverride === "1" }));

/** What cannot be undone is asked once more, on a page of its own; switching language there goes back to the request. */
const confirmAnswer = (page: ConfirmPage, { form, loaded }: CaseCall): Answer => ({
  view: "platform/confirm",
  locals: { ...page, fields: form, cancelHref: `/staff/requests/${loaded.id}`, languagePath: `/staff/requests/${loaded.id}` },
});
const erasureStep = (step: "approve" | "confirm") => async (call: CaseCall): Promise<Answer | undefined> =>
  call.loaded.type === "erasure" ? confirmAnswer(await erasureConfirmPage(call.ctx, call, call.loaded, step), call) : undefined;

/**
 * A refusal is sent only from the page showing it exactly as the requester will read it, which
 * says it cannot be undone (its form sends the same fields again with confirm=yes). An invalid
 * refusal is shown again on the case page with its errors, before that page.
 */
const refusalStep = async ({ org, t, input, loaded, form }: CaseCall<RefusalInput>): Promise<Answer> => ({
  view: "staff/reject-preview",
  locals: {
    title: t("staff.preview.title", { reference: loaded.reference }), staffArea: true, request: loaded,
    refusal: checkRefusal(loaded, org, input), values: input, queue: queueState(form.queue), languagePath: `/staff/requests/${loaded.id}`,
  },
});

interface CaseAction<I> {
  path: string;
  action: Action<"request">;
  outcome: CaseOutcome;
  input?: z.ZodType<I>;
  run(call: CaseCall<I>): Promise<unknown>;
  reauth?: (r: RequestRow) => boolean;
  /** The page asking once more before what cannot be undone; undefined when nothing needs asking. */
  confirm?: (call: CaseCall<I>) => Promise<Answer | undefined>;
  anchor?: string;
}

/** A POST on one request: run the use case, then back to the case page with the queue it was opened from. */
function caseAction<I>(def: CaseAction<I>) {
  return route({
    method: "post", path: `/staff/requests/:id/${def.path}`, who: staffAudience,
    load: loadRequest, action: def.action, on: requestResource, input: def.input, reauth: def.reauth, form: casePage(def.action),
    run: async (call) => {
      const confirm = call.form.confirm === "yes" ? undefined : await def.confirm?.(call);
      if (confirm) return confirm;
      await def.run(call);
      return { redirect: caseAddress(call.loaded.id, def.outcome, queueState(call.form.queue), def.anchor ?? "") };
    },
  });
}

const always = () => true;

export const caseRoutes = [
  route({
    method: "get", path: "/staff/requests/:id", who: staffAudience, load: loadRequest, action: "view", on: requestResource,
    run: async (call) => ({ view: "staff/show", locals: await detailPageLocals(call, call.loaded, caseNavigation(call.query)) }),
  }),
  caseAction({
    path: "assign", action: "assign", outcome: "assigned", input: assignSchema,
    run: ({ ctx, actor, input, loaded }) => assignRequest(ctx, actor, { requestId: loaded.id, assigneeId: input.assigneeId === "me" ? actor.id : input.assigneeId || null }),
  }),
  caseAction({
    path: "notes", action: "note", outcome: "noteAdded", input: textSchema("body", CASE_TEXT_LIMITS.note.body), anchor: "#notes",
    run: ({ ctx, actor, input, loaded }) => addRequestNote(ctx, actor, { requestId: loaded.id, body: String(input.body) }),
  }),
  caseAction({
    path: "messages", action: "message", outcome: "messageSent", input: messageBodySchema, anchor: "#thread",
    run: ({ ctx, org, actor, input, loaded }) => postRequestMessage(ctx, org, { type: "staff", id: actor.id, role: actor.role }, loaded, input.body),
  }),
  caseAction({
    path: "start-review", action: "startReview", outcome: "reviewStarted",
    run: ({ ctx, actor, org, loaded }) => startReview(ctx, actor, { org, requestId: loaded.id }),
  }),
  caseAction({
    path: "ask-information", action: "askInfo", outcome: "askedInfo", input: messageSchema,
    run: ({ ctx, actor, org, input, loaded }) => askRequester(ctx, actor, { org, requestId: loaded.id, message: String(input.message) }),
  }),
  caseAction({
    path: "ask-identity", action: "askIdentity", outcome: "askedIdentity", input: askIdentityForm,
    run: ({ ctx, actor, org, input, loaded }) => askForIdentity(ctx, actor, { ...input, org, requestId: loaded.id }),
  }),
  caseAction({
    path: "approve", action: "approve", outcome: "approved", input: messageSchema,
    reauth: (r) => r.type === "erasure", confirm: erasureStep("approve"),
    run: ({ ctx, actor, org, input, loaded }) => approveRequest(ctx, actor, { org, requestId: loaded.id, message: String(input.message) }),
  }),
  caseAction({
    path: "reject", action: "reject", outcome: "rejected", input: refusalSchema, reauth: always, confirm: refusalStep,
    run: ({ ctx, actor, org, input, loaded }) => rejectRequest(ctx, actor, { ...input, org, requestId: loaded.id }),
  }),
  caseAction({
    path: "extend", action: "extend", outcome: "extended", input: extendSchema,
    run: ({ ctx, actor, input, loaded }) => extendRequest(ctx, actor, loaded.orgId, loaded.id, input.reason, input.kind),
  }),
  caseAction({
    path: "confirm-erasure", action: "confirmErasure", outcome: "erasureConfirmed", reauth: always, confirm: erasureStep("confirm"),
    run: ({ ctx, actor, org, loaded }) => confirmErasure(ctx, actor, { org, requestId: loaded.id }),
  }),
  transcriptRoute(),
];

/** The request named in the query and the conversation of it to open; anything else is "not found". */
async function loadTranscript({ ctx, actor, query, params }: Call<StaffActor>) {
  const q = transcriptQuerySchema.safeParse(query);
  if (!q.success) throw new ValidationError({ requestId: "platform.errors.required" });
  const request = await staffRequest(ctx, actor.orgId, q.data.requestId);
  return { request, conversation: await conversationForRequest(ctx, actor.orgId, request, String(params.conversationId)) };
}
type Transcript = Awaited<ReturnType<typeof loadTranscript>>;

function purposePage({ t, loaded }: Call<StaffActor, unknown, Transcript>): Answer {
  return { view: "staff/transcript-purpose", locals: { title: t("staff.transcript.title"), staffArea: true, ...loaded } };
}

/** A transcript opens only with a stated purpose, asked first on a page of its own (the access is audited). */
function transcriptRoute() {
  return route({
    method: "get", path: "/staff/conversations/:conversationId/transcript", who: staffAudience,
    load: loadTranscript, action: "viewTranscript",
    on: ({ conversation }) => ({ kind: "conversation", orgId: conversation.orgId, restrictedAt: conversation.restrictedAt }),
    input: transcriptQuerySchema, form: purposePage,
    run: async (call) => {
      const { ctx, actor, t, input, loaded } = call;
      if (input.purpose === undefined) return purposePage(call);
      const messages = await viewTranscript(ctx, actor, loaded.request, loaded.conversation, input.purpose);
      return {
        view: "staff/transcript", headers: { "Cache-Control": "no-store" },
        locals: { title: t("staff.transcript.title"), ...loaded, messages, statements: await transcriptStatements(ctx, loaded.conversation), purpose: input.purpose.trim() },
      };
    },
  });
}
