import { Router } from "express";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { staffAudience, staffAudienceReauthTo } from "../identity/audience.js";
import { NotFoundError } from "../platform/errors.js";
import { mountRoutes, route, type Answer, type Call } from "../platform/http/route-table.js";
import type { RequestRow } from "../requests/change-status.js";
import type { StaffActor } from "../platform/policy.js";
import { staffRequest } from "../requests/request-by-id.js";
import { HOLD_REVIEW_MAX_MONTHS, liftLegalHold, renewLegalHold, setLegalHold } from "./legal-hold.js";
import { fulfilmentPolicy } from "./policies.js";
import { confirmRecipientTask } from "./recipient-tasks.js";
import { addRecipient, deactivateRecipient, listRecipients, recipientOf, updateRecipient, type RecipientView } from "./recipients.js";
import { liftRestriction, notifyRestrictionLift } from "./restrict.js";
import { legalHoldSchema, liftHoldSchema, NOTE_MAX, RECIPIENT_DESCRIPTION_MAX, recipientSchema, renewHoldSchema, taskNoteSchema } from "./schema.js";
import { legalHoldReasons } from "../requests/result.js";
import { fulfilRequest } from "./start-fulfilment.js";
import { casePageAfter, type FulfilmentOutcome } from "./outcomes.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function idParam({ params }: Call, name: string): string {
  const v = String(params[name] ?? "");
  if (!UUID.test(v)) throw new NotFoundError(name);
  return v;
}

type OnRequest = Call<StaffActor, unknown, RequestRow>;
const requestPage = (r: RequestRow) => `/staff/requests/${r.id}`;
/** A stale password check goes to the password and back to the request's page (the form is not kept). */
const onRequestStaff = staffAudienceReauthTo((call) => requestPage(call.loaded as RequestRow));
const loadRequest = ({ ctx, actor, params }: Call<StaffActor>) => staffRequest(ctx, actor.orgId, String(params.id));
const requestResource = (r: RequestRow) => ({ kind: "request" as const, orgId: r.orgId, type: r.type });

/** A refused action without a form of its own: the errors, and the way back to the request. */
const formError = ({ t, loaded }: OnRequest): Answer => ({
  view: "fulfilment/form-error", locals: { title: t("fulfilment.errors.title"), backUrl: requestPage(loaded), staffArea: true },
});

/** The hold form (set, renew or lift) again, with what was typed and the errors beside the fields. */
const holdForm = (mode: "set" | "renew" | "lift") => (call: OnRequest): Answer => ({
  view: "fulfilment/legal-hold-form",
  locals: {
    title: call.t(`fulfilment.hold.${mode}Title`), staffArea: true, mode, request: call.loaded, conversationId: idParam(call, "conversationId"),
    holdReasons: legalHoldReasons, maxMonths: HOLD_REVIEW_MAX_MONTHS, limits: { note: NOTE_MAX }, backUrl: `${requestPage(call.loaded)}#fulfilment`,
  },
});

/**
 * A POST on one request: loaded within the actor's organization, authorized, re-authenticated if
 * needed, then back to its page with the banner saying what was done.
 */
function onRequest<I>(path: string, action: string, outcome: FulfilmentOutcome, def: { reauth?: boolean; input?: z.ZodType<I>; form?: (call: OnRequest) => Answer; run(call: Call<StaffActor, I, RequestRow>): Promise<unknown> }) {
  return route({
    method: "post", path, who: onRequestStaff, load: loadRequest, action, on: requestResource, reauth: def.reauth ?? false,
    input: def.input, form: def.form ?? formError,
    run: async (call) => {
      await def.run(call);
      return { redirect: casePageAfter(call.loaded.id, outcome) };
    },
  });
}

const requestRoutes = [
  onRequest("/staff/requests/:id/fulfil", "carryOut", "carriedOut", { reauth: true, run: ({ ctx, actor, loaded }) => fulfilRequest(ctx, actor, actor.orgId, loaded.id) }),
  onRequest("/staff/requests/:id/conversations/:conversationId/legal-hold", "setLegalHold", "holdSet", {
    input: legalHoldSchema, form: holdForm("set"),
    run: (call) => setLegalHold(call.ctx, call.actor, call.loaded.id, idParam(call, "conversationId"), call.input),
  }),
  onRequest("/staff/requests/:id/conversations/:conversationId/legal-hold/renew", "renewLegalHold", "holdRenewed", {
    input: renewHoldSchema, form: holdForm("renew"),
    run: (call) => renewLegalHold(call.ctx, call.actor, call.loaded.id, idParam(call, "conversationId"), call.input),
  }),
  onRequest("/staff/requests/:id/conversations/:conversationId/legal-hold/lift", "liftLegalHold", "holdLifted", {
    reauth: true,
    input: liftHoldSchema, form: holdForm("lift"),
    run: (call) => liftLegalHold(call.ctx, call.actor, call.loaded.id, idParam(call, "conversationId"), call.input),
  }),
  onRequest("/staff/requests/:id/restriction/notify-lift", "notifyRestrictionLift", "liftNotified", { run: ({ ctx, actor, loaded }) => notifyRestrictionLift(ctx, actor, loaded.id) }),
  onRequest("/staff/requests/:id/restriction/lift", "liftRestriction", "restrictionLifted", { reauth: true, run: ({ ctx, actor, loaded }) => liftRestriction(ctx, actor, loaded.id) }),
  onRequest("/staff/requests/:id/recipient-tasks/:taskId/confirm", "confirmRecipientTask", "taskConfirmed", {
    input: taskNoteSchema,
    run: (call) => confirmRecipientTask(call.ctx, call.actor, call.loaded.id, idParam(call, "taskId"), call.input.note),
  }),
];

// --- recipients (admin) ---------------------------------------------------------------------

const RECIPIENTS = "/staff/recipients";
/** The description gets a character count; the name and address are short lines. */
const recipientLimits = { description: RECIPIENT_DESCRIPTION_MAX };
const orgOf = (_: unknown, call: Call) => ({ kind: "org" as const, orgId: call.org.id });
const loadRecipient = ({ ctx, actor, params }: Call<StaffActor>) => recipientOf(ctx, actor.orgId, String(params.recipientId));
const recipientResource = (_: unknown, { actor }: Call<StaffActor>) => ({ kind: "recipient" as const, orgId: actor.orgId });
type OnRecipient = Call<StaffActor, unknown, RecipientView>;

const listPage = async ({ ctx, actor, t }: Call<StaffActor>): Promise<Answer> => ({
  view: "fulfilment/recipients", locals: { title: t("fulfilment.recipients.title"), staffArea: true, recipients: await listRecipients(ctx, actor.orgId), values: {}, limits: recipientLimits },
});
const editPage = ({ t, loaded }: OnRecipient): Answer => ({
  view: "fulfilment/recipient-edit", locals: { title: t("fulfilment.recipients.editTitle"), staffArea: true, recipient: loaded, values: loaded, limits: recipientLimits },
});
/** A webhook's signing secret, shown this once; otherwise back to the list. */
const savedRecipient = ({ t }: Call, { recipient, secret }: { recipient: RecipientView; secret: string | null }): Answer =>
  secret
    ? { view: "fulfilment/recipient-secret", status: 201, locals: { title: t("fulfilment.recipients.secretTitle"), staffArea: true, name: recipient.name, secret } }
    : { redirect: RECIPIENTS };

const recipientRoutes = [
  route({ method: "get", path: RECIPIENTS, who: staffAudience, action: "manageRecipients", on: orgOf, run: listPage }),
  route({
    method: "post", path: RECIPIENTS, who: staffAudience, action: "manageRecipients", on: orgOf, input: recipientSchema, form: listPage,
    run: async (call) => savedRecipient(call, await addRecipient(call.ctx, call.actor, call.input)),
  }),
  route({ method: "get", path: `${RECIPIENTS}/:recipientId/edit`, who: staffAudience, load: loadRecipient, action: "edit", on: recipientResource, run: editPage }),
  route({
    method: "post", path: `${RECIPIENTS}/:recipientId`, who: staffAudience, load: loadRecipient, action: "edit", on: recipientResource,
    input: recipientSchema, form: editPage,
    run: async (call) => savedRecipient(call, await updateRecipient(call.ctx, call.actor, call.loaded.id, call.input)),
  }),
  route({
    method: "post", path: `${RECIPIENTS}/:recipientId/deactivate`, who: staffAudience, load: loadRecipient, action: "deactivate", on: recipientResource,
    run: async ({ ctx, actor, loaded }) => { await deactivateRecipient(ctx, actor, loaded.id); return { redirect: RECIPIENTS }; },
  }),
];

export function fulfilmentRouter(ctx: AppContext): Router {
  const router = Router();
  mountRoutes(router, ctx, { routes: [...requestRoutes, ...recipientRoutes], ...fulfilmentPolicy.forRoutes });
  return router;
}
