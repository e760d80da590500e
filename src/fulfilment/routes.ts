import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import type { StaffRole } from "../db/schema/index.js";
import { NotFoundError, ValidationError } from "../platform/errors.js";
import { parseInput } from "../platform/http/validate.js";
import type { RequestRow } from "../requests/change-status.js";
import { recentlyAuthenticated, requireStaff, staffActorOf } from "../identity/staff-session.js";
import type { StaffActor } from "../platform/policy.js";
import { staffRequest } from "../requests/request-by-id.js";
import { HOLD_REVIEW_MAX_MONTHS, liftLegalHold, renewLegalHold, setLegalHold } from "./legal-hold.js";
import { authorizeFulfilment } from "./policies.js";
import { confirmRecipientTask } from "./recipient-tasks.js";
import { addRecipient, deactivateRecipient, listRecipients, recipientOf, updateRecipient } from "./recipients.js";
import { liftRestriction, notifyRestrictionLift } from "./restrict.js";
import { legalHoldSchema, liftHoldSchema, renewHoldSchema, taskNoteSchema } from "./schema.js";
import { legalHoldReasons } from "../requests/result.js";
import { fulfilRequest } from "./start-fulfilment.js";

/**
 * Every route of this router with the roles allowed on their own organization's data; the
 * authorization test (test/fulfilment/authorization.test.ts) walks this list.
 */
export interface FulfilmentRoute {
  method: "get" | "post";
  path: string;
  roles: readonly StaffRole[];
  /** The route acts on one request or one recipient: another organization's → 404. */
  on?: "request" | "recipient";
  /** Asks for a fresh password first (destructive or protection-ending actions). */
  reauth?: boolean;
}
const DPO = ["dpo"] as const;
const PREPARERS = ["reviewer", "dpo"] as const;
const ADMIN = ["admin"] as const;
export const fulfilmentRoutes: readonly FulfilmentRoute[] = [
  { method: "post", path: "/staff/requests/:id/fulfil", roles: DPO, on: "request", reauth: true },
  { method: "post", path: "/staff/requests/:id/conversations/:conversationId/legal-hold", roles: DPO, on: "request" },
  { method: "post", path: "/staff/requests/:id/conversations/:conversationId/legal-hold/renew", roles: DPO, on: "request" },
  { method: "post", path: "/staff/requests/:id/conversations/:conversationId/legal-hold/lift", roles: DPO, on: "request", reauth: true },
  { method: "post", path: "/staff/requests/:id/restriction/notify-lift", roles: DPO, on: "request" },
  { method: "post", path: "/staff/requests/:id/restriction/lift", roles: DPO, on: "request", reauth: true },
  { method: "post", path: "/staff/requests/:id/recipient-tasks/:taskId/confirm", roles: PREPARERS, on: "request" },
  { method: "get", path: "/staff/recipients", roles: ADMIN },
  { method: "post", path: "/staff/recipients", roles: ADMIN },
  { method: "get", path: "/staff/recipients/:recipientId/edit", roles: ADMIN, on: "recipient" },
  { method: "post", path: "/staff/recipients/:recipientId", roles: ADMIN, on: "recipient" },
  { method: "post", path: "/staff/recipients/:recipientId/deactivate", roles: ADMIN, on: "recipient" },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function idParam(req: Request, name: string): string {
  const v = String(req.params[name] ?? "");
  if (!UUID.test(v)) throw new NotFoundError(name);
  return v;
}

type RequestAction = (req: Request, actor: StaffActor, r: RequestRow) => Promise<unknown>;
/** Re-renders a refused form with its errors next to the fields; without one, the generic error page. */
type InvalidForm = (req: Request, res: Response, r: RequestRow, err: ValidationError) => void;

/** The hold form (set, renew or lift) again, with what was typed and the errors beside the fields. */
const holdForm = (mode: "set" | "renew" | "lift"): InvalidForm => (req, res, r, err) => {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
  res.status(422).render("fulfilment/legal-hold-form", {
    title: req.t(`fulfilment.hold.${mode}Title`), staffArea: true, mode, request: r, conversationId: idParam(req, "conversationId"),
    values: { reason: str("reason"), reviewOn: str("reviewOn"), note: str("note") }, fieldErrors: err.fieldErrors,
    holdReasons: legalHoldReasons, maxMonths: HOLD_REVIEW_MAX_MONTHS, backUrl: `/staff/requests/${r.id}#fulfilment`,
  });
};

export function fulfilmentRouter(ctx: AppContext): Router {
  const router = Router();
  const staff = requireStaff();
  const route = (path: string) => fulfilmentRoutes.find((r) => r.path === path && r.method === "post")!;

  /** A POST on one request: load within the actor's organization, authorize, re-auth if needed, run, back to the page. */
  const onRequest = (path: string, action: string, run: RequestAction, onInvalid?: InvalidForm) => {
    const needsReauth = !!route(path).reauth;
    router.post(path, staff, async (req: Request, res: Response) => {
      const actor = staffActorOf(req);
      const r = await staffRequest(ctx, actor.orgId, String(req.params.id));
      authorizeFulfilment(actor, action, { kind: "request", orgId: r.orgId, type: r.type });
      const page = `/staff/requests/${r.id}`;
      if (needsReauth && !recentlyAuthenticated(ctx, req.session)) return res.redirect(303, `/staff/reauth?next=${encodeURIComponent(page)}`);
      try {
        await run(req, actor, r);
        res.redirect(303, `${page}#fulfilment`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        if (onInvalid) return onInvalid(req, res, r, err);
        res.status(422).render("fulfilment/form-error", { title: req.t("fulfilment.errors.title"), fieldErrors: err.fieldErrors, backUrl: page, staffArea: true });
      }
    });
  };

  onRequest("/staff/requests/:id/fulfil", "carryOut", (_req, actor, r) => fulfilRequest(ctx, actor, actor.orgId, r.id));
  onRequest("/staff/requests/:id/conversations/:conversationId/legal-hold", "setLegalHold", (req, actor, r) =>
    setLegalHold(ctx, actor, r.id, idParam(req, "conversationId"), parseInput(legalHoldSchema, req.body)), holdForm("set"));
  onRequest("/staff/requests/:id/conversations/:conversationId/legal-hold/renew", "renewLegalHold", (req, actor, r) =>
    renewLegalHold(ctx, actor, r.id, idParam(req, "conversationId"), parseInput(renewHoldSchema, req.body)), holdForm("renew"));
  onRequest("/staff/requests/:id/conversations/:conversationId/legal-hold/lift", "liftLegalHold", (req, actor, r) =>
    liftLegalHold(ctx, actor, r.id, idParam(req, "conversationId"), parseInput(liftHoldSchema, req.body)), holdForm("lift"));
  onRequest("/staff/requests/:id/restriction/notify-lift", "notifyRestrictionLift", (_req, actor, r) => notifyRestrictionLift(ctx, actor, r.id));
  onRequest("/staff/requests/:id/restriction/lift", "liftRestriction", (_req, actor, r) => liftRestriction(ctx, actor, r.id));
  onRequest("/staff/requests/:id/recipient-tasks/:taskId/confirm", "confirmRecipientTask", (req, actor, r) =>
    confirmRecipientTask(ctx, actor, r.id, idParam(req, "taskId"), parseInput(taskNoteSchema, req.body).note));

  // --- recipients (admin) -------------------------------------------------------------------
  const manage = (req: Request) => {
    const actor = staffActorOf(req);
    authorizeFulfilment(actor, "manageRecipients", { kind: "org", orgId: req.org.id });
    return actor;
  };
  const listPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}) =>
    res.render("fulfilment/recipients", { title: req.t("fulfilment.recipients.title"), staffArea: true, recipients: await listRecipients(ctx, staffActorOf(req).orgId), values: {}, ...extra });
  const secretPage = (req: Request, res: Response, name: string, secret: string) =>
    res.status(201).render("fulfilment/recipient-secret", { title: req.t("fulfilment.recipients.secretTitle"), staffArea: true, name, secret });
  const editable = async (req: Request, action: "edit" | "deactivate") => {
    const actor = staffActorOf(req);
    const recipient = await recipientOf(ctx, actor.orgId, String(req.params.recipientId));
    authorizeFulfilment(actor, action, { kind: "recipient", orgId: actor.orgId });
    return { actor, recipient };
  };

  router.get("/staff/recipients", staff, async (req, res) => {
    manage(req);
    await listPage(req, res);
  });
  router.post("/staff/recipients", staff, async (req, res) => {
    const actor = manage(req);
    try {
      const { recipient, secret } = await addRecipient(ctx, actor, req.body);
      if (secret) return secretPage(req, res, recipient.name, secret);
      res.redirect(303, "/staff/recipients");
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      await listPage(req, res, { fieldErrors: err.fieldErrors, values: req.body });
    }
  });
  router.get("/staff/recipients/:recipientId/edit", staff, async (req, res) => {
    const { recipient } = await editable(req, "edit");
    res.render("fulfilment/recipient-edit", { title: req.t("fulfilment.recipients.editTitle"), staffArea: true, recipient, values: recipient });
  });
  router.post("/staff/recipients/:recipientId", staff, async (req, res) => {
    const { actor, recipient } = await editable(req, "edit");
    try {
      const { recipient: updated, secret } = await updateRecipient(ctx, actor, recipient.id, req.body);
      if (secret) return secretPage(req, res, updated.name, secret);
      res.redirect(303, "/staff/recipients");
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422).render("fulfilment/recipient-edit", { title: req.t("fulfilment.recipients.editTitle"), staffArea: true, recipient, values: req.body, fieldErrors: err.fieldErrors });
    }
  });
  router.post("/staff/recipients/:recipientId/deactivate", staff, async (req, res) => {
    const { actor, recipient } = await editable(req, "deactivate");
    await deactivateRecipient(ctx, actor, recipient.id);
    res.redirect(303, "/staff/recipients");
  });

  return router;
}
