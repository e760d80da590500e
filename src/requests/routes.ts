import { Router, type Request, type Response } from "express";
import type { AppContext } from "../context.js";
import { requireRequester, requesterOf, type Requester } from "../identity/guards.js";
import { updateSession } from "../identity/sessions.js";
import { ValidationError } from "../platform/errors.js";
import { fieldLimits, parseInput } from "../platform/http/validate.js";
import { conversationsSchema, correctionSchema, draftSchema, messageSchema, neededBySchema, noteSchema, scopeSchema, scopesByType, typeSchema, type Draft } from "./schema.js";
import { correctionErrors } from "./submit-request.js";
import { localDate } from "./deadlines.js";
import { ASSURANCE_EID_ERROR, assuranceError, submitRequest } from "./submit-request.js";
import { eidOffered } from "../identity/oidc-config.js";
import { withdrawRequest } from "./withdraw-request.js";
import { postRequestMessage } from "./post-message.js";
import {
  assertOwnConversations, chosenConversations, conversationSummaries, getMyRequest, listMyRequests, pickableConversations, requestThread, requestTimeline,
} from "./requester-queries.js";
import { requestStatusView } from "./status-view.js";
import { downloadPath, listRequestExports } from "./request-files.js";
import { bannersFor, requesterHasEmail } from "./requester-notices.js";

type PartialDraft = Partial<Draft>;

const me = (req: Request): Requester => requesterOf(req)!;
const draftOf = (req: Request): PartialDraft => (req.session?.draft ?? {}) as PartialDraft;

async function saveDraft(req: Request, draft: PartialDraft): Promise<void> {
  await updateSession(req.ctx, req.session!, { draft: draft as Record<string, unknown> });
}

/** Re-renders a step with its field errors, or passes anything else to the error handler. */
function renderInvalid(res: Response, view: string, locals: Record<string, unknown>, err: unknown): void {
  if (!(err instanceof ValidationError)) throw err;
  res.status(422).render(view, { ...locals, fieldErrors: err.fieldErrors });
}

/** The requester's side: a guided form (one question per page), "my requests" and the thread. */
export function requestsRouter(ctx: AppContext): Router {
  const router = Router();
  router.use("/requests", requireRequester());

  router.get("/requests", async (req, res) => {
    const mine = await listMyRequests(ctx, req.org.id, me(req));
    res.render("requests/list", { title: req.t("requests.list.title"), requests: mine.map((r) => requestStatusView(r, req.org, ctx.clock.now())) });
  });

  router.get("/requests/new", async (req, res) => {
    await saveDraft(req, {});
    res.redirect(303, "/requests/new/type");
  });

  router.get("/requests/new/type", (req, res) => {
    // Back from the eID step: the type asked for is chosen again.
    const asked = typeSchema.safeParse({ type: req.query.type });
    res.render("requests/new-type", { title: req.t("requests.new.type.title"), values: asked.success ? { ...draftOf(req), type: asked.data.type } : draftOf(req) });
  });
  router.post("/requests/new/type", async (req, res) => {
    try {
      const { type } = parseInput(typeSchema, req.body);
      // Said at the question it is about, not only when the request is sent at the end.
      const tooLow = assuranceError(req.org, me(req), type);
      if (tooLow === ASSURANCE_EID_ERROR) {
        // Step-up: the eID step is offered here; the requester stays signed in and comes back to this question.
        const back = `/requests/new/type?type=${encodeURIComponent(type)}`;
        return res.status(422).render("requests/new-type", {
          title: req.t("requests.new.type.title"), values: req.body, fieldErrors: { type: tooLow },
          stepUp: { href: `/sign-in/eid?next=${encodeURIComponent(back)}`, provider: eidOffered(req.org)?.providerLabel ?? "" },
        });
      }
      if (tooLow) throw new ValidationError({ type: tooLow });
      const draft: PartialDraft = { type, conversationIds: [], details: {} };
      const scopes = scopesByType[type];
      const receiptOnly = !me(req).subjectId && me(req).conversationId;
      if (scopes.length === 1 || receiptOnly) {
        draft.scope = receiptOnly && type !== "withdraw_consent" ? "chosen_conversations" : scopes[0];
        if (receiptOnly && draft.scope === "chosen_conversations") draft.conversationIds = [me(req).conversationId!];
      }
      await saveDraft(req, draft);
      res.redirect(303, nextStep(draft));
    } catch (err) {
      renderInvalid(res, "requests/new-type", { title: req.t("requests.new.type.title"), values: req.body }, err);
    }
  });

  router.get("/requests/new/scope", (req, res) => {
    const draft = draftOf(req);
    if (!draft.type) return res.redirect(303, "/requests/new/type");
    res.render("requests/new-scope", { title: req.t("requests.new.scope.title"), values: draft, scopes: scopesByType[draft.type] });
  });
  router.post("/requests/new/scope", async (req, res) => {
    const draft = draftOf(req);
    if (!draft.type) return res.redirect(303, "/requests/new/type");
    try {
      const { scope } = parseInput(scopeSchema, req.body);
      if (!scopesByType[draft.type].includes(scope)) throw new ValidationError({ scope: "requests.errors.chooseScope" });
      const next = { ...draft, scope, conversationIds: scope === "chosen_conversations" ? draft.conversationIds ?? [] : [] };
      await saveDraft(req, next);
      res.redirect(303, nextStep(next));
    } catch (err) {
      renderInvalid(res, "requests/new-scope", { title: req.t("requests.new.scope.title"), values: req.body, scopes: scopesByType[draft.type] }, err);
    }
  });

  router.get("/requests/new/conversations", async (req, res) => {
    const draft = draftOf(req);
    if (!draft.scope) return res.redirect(303, "/requests/new/type");
    const list = await pickableConversations(ctx, req.org.id, me(req));
    res.render("requests/new-conversations", { title: req.t("requests.new.conversations.title"), values: draft, conversations: list.filter((c) => !c.erasedAt) });
  });
  router.post("/requests/new/conversations", async (req, res) => {
    const draft = draftOf(req);
    try {
      const { conversationIds } = parseInput(conversationsSchema, req.body);
      await assertOwnConversations(ctx, req.org.id, me(req), conversationIds);
      const next = { ...draft, conversationIds };
      await saveDraft(req, next);
      res.redirect(303, nextStep(next, "conversations"));
    } catch (err) {
      const list = await pickableConversations(ctx, req.org.id, me(req));
      renderInvalid(res, "requests/new-conversations", { title: req.t("requests.new.conversations.title"), values: draft, conversations: list.filter((c) => !c.erasedAt) }, err);
    }
  });

  // A correction (rectification) asks what is wrong and what is right on a step of its own, and
  // says there what is missing, before "Check your answers".
  router.get("/requests/new/correction", (req, res) => {
    const draft = draftOf(req);
    if (draft.type !== "rectification" || !draft.scope) return res.redirect(303, "/requests/new/type");
    res.render("requests/new-correction", correctionPage(req, draft, draft.details ?? {}));
  });
  router.post("/requests/new/correction", async (req, res) => {
    const draft = draftOf(req);
    if (draft.type !== "rectification" || !draft.scope) return res.redirect(303, "/requests/new/type");
    try {
      const correction = parseInput(correctionSchema, req.body);
      const wanted = draft.scope === "profile" ? { field: correction.field, value: correction.value } : { statement: correction.statement };
      const missing = correctionErrors(draft.scope, wanted);
      if (Object.keys(missing).length > 0) throw new ValidationError(missing);
      const next = { ...draft, details: { ...wanted, note: draft.details?.note } };
      await saveDraft(req, next);
      res.redirect(303, "/requests/new/details");
    } catch (err) {
      renderInvalid(res, "requests/new-correction", correctionPage(req, draft, req.body), err);
    }
  });

  router.get("/requests/new/details", (req, res) => {
    const draft = draftOf(req);
    if (!draft.scope) return res.redirect(303, "/requests/new/type");
    res.render("requests/new-details", detailsPage(req, draft, { ...draft.details, neededBy: draft.neededBy }));
  });
  router.post("/requests/new/details", async (req, res) => {
    const draft = draftOf(req);
    try {
      const today = localDate(ctx.clock.now(), req.org.timeZone);
      const { neededBy, note } = parseInput(noteSchema.extend(neededBySchema(today).shape), req.body);
      const next = { ...draft, details: { ...correctionOf(draft), note }, neededBy };
      await saveDraft(req, next);
      res.redirect(303, "/requests/new/check");
    } catch (err) {
      renderInvalid(res, "requests/new-details", detailsPage(req, draft, req.body), err);
    }
  });

  router.get("/requests/new/check", async (req, res) => {
    const draft = draftOf(req);
    if (!draft.type || !draft.scope) return res.redirect(303, "/requests/new/type");
    res.render("requests/new-check", { title: req.t("requests.new.check.title"), draft, chosen: await chosenConversations(ctx, req.org.id, me(req), draft.conversationIds ?? []) });
  });
  router.post("/requests/new/check", async (req, res) => {
    const draft = draftOf(req);
    const parsed = draftSchema.safeParse(draft);
    if (!parsed.success) return res.redirect(303, "/requests/new/type");
    try {
      const result = await submitRequest(ctx, req.org, me(req), parsed.data, req.locale);
      await saveDraft(req, {});
      res.redirect(303, result.created ? `/requests/${result.request.reference}/confirmation` : `/requests/${result.request.reference}?duplicate=1`);
    } catch (err) {
      renderInvalid(res, "requests/new-check", { title: req.t("requests.new.check.title"), draft, chosen: await chosenConversations(ctx, req.org.id, me(req), draft.conversationIds ?? []) }, err);
    }
  });

  router.get("/requests/:reference/confirmation", async (req, res) => {
    const request = await getMyRequest(ctx, req.org.id, me(req), req.params.reference);
    res.render("requests/confirmation", {
      title: req.t("requests.confirmation.title"), request: requestStatusView(request, req.org, ctx.clock.now()),
      hasEmail: await requesterHasEmail(ctx.db, ctx.keys, request, me(req)),
    });
  });

  router.get("/requests/:reference", async (req, res) => {
    await renderRequestPage(ctx, req, res, {});
  });

  router.post("/requests/:reference/messages", async (req, res) => {
    const request = await getMyRequest(ctx, req.org.id, me(req), req.params.reference);
    try {
      const { body } = parseInput(messageSchema, req.body);
      await postRequestMessage(ctx, req.org, { type: "subject", id: me(req).subjectId }, request, body);
      res.redirect(303, `/requests/${request.reference}#thread`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      await renderRequestPage(ctx, req, res, { fieldErrors: err.fieldErrors, values: req.body });
    }
  });

  router.post("/requests/:reference/withdraw", async (req, res) => {
    // Withdrawing cannot be undone: asked once more on a page of its own.
    if (req.body?.confirm !== "yes") {
      const mine = await getMyRequest(ctx, req.org.id, me(req), req.params.reference as string);
      return res.render("platform/confirm", withdrawConfirmPage(req.t, mine.reference, mine.type));
    }
    const request = await withdrawRequest(ctx, req.org.id, me(req), req.params.reference as string);
    res.redirect(303, `/requests/${request.reference}`);
  });

  return router;
}

async function renderRequestPage(ctx: AppContext, req: Request, res: Response, extra: Record<string, unknown>): Promise<void> {
  const request = await getMyRequest(ctx, req.org.id, me(req), req.params.reference as string);
  const [events, thread, chosen, files, banners] = await Promise.all([
    requestTimeline(ctx, request.id, { requesterView: true }),
    requestThread(ctx, request),
    conversationSummaries(ctx, req.org.id, request.conversationIds),
    listRequestExports(ctx.db, { orgId: req.org.id, requestId: request.id, now: ctx.clock.now() }),
    bannersFor(ctx.db, request),
  ]);
  res.render("requests/show", {
    title: req.t("requests.show.title", { reference: request.reference }),
    request: requestStatusView(request, req.org, ctx.clock.now()),
    events, thread, chosen, duplicate: req.query.duplicate === "1", limits: messageLimits, banners, result: readyResult(files, request.reference, req.locale), ...extra,
    files: files.map((f) => ({ ...f, href: downloadPath(request.reference, f.id) })),
    // A message with an error is shown at the POST address: switching language goes to the page itself.
    languagePath: `/requests/${encodeURIComponent(request.reference)}`,
  });
}

/** A size as people read it ("1.4 MB", "1,4 Mt"): the largest unit that keeps a number of at least 1. */
function humanSize(bytes: number, locale: string): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i += 1; }
  return new Intl.NumberFormat(locale === "en" ? "en-GB" : locale, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: i === 0 ? 0 : 1 }).format(n);
}

/** The package to show first when it is ready: its name, format and size, and where to download it. */
function readyResult(files: Awaited<ReturnType<typeof listRequestExports>>, reference: string, locale: string) {
  const f = files.find((x) => x.kind !== "dossier" && x.downloadable);
  if (!f) return null;
  const ext = (f.fileName ?? "").split(".").pop()?.toLowerCase();
  const format = ext === "pdf" || ext === "zip" ? ext : "zip";
  return { kind: f.kind, name: f.fileName ?? `${reference}.${format}`, format, size: f.sizeBytes === null ? null : humanSize(f.sizeBytes, locale), href: downloadPath(reference, f.id) };
}

/** What the requester reads before withdrawing (views/platform/confirm.ejs). */
function withdrawConfirmPage(t: Request["t"], reference: string, type: string) {
  return {
    title: t("requests.withdraw.title", { reference }), heading: t("requests.withdraw.heading", { reference }), warning: t("requests.withdraw.warning"),
    rows: [{ key: t("requests.new.check.type"), value: t(`requests.types.${type}.label`) }],
    action: `/requests/${reference}/withdraw`, button: t("requests.withdraw.button"), fields: {},
    cancelHref: `/requests/${reference}`, cancelLabel: t("requests.withdraw.cancel"), languagePath: `/requests/${reference}`,
  };
}

/** The next unanswered question of the guided form. */
function nextStep(draft: PartialDraft, after?: "conversations"): string {
  if (!draft.scope) return "/requests/new/scope";
  if (draft.scope === "chosen_conversations" && after !== "conversations" && (draft.conversationIds ?? []).length === 0) return "/requests/new/conversations";
  return draft.type === "rectification" ? "/requests/new/correction" : "/requests/new/details";
}

// Each form's limits, read once from its schema (the views' character counts and messages).
const correctionLimits = fieldLimits(correctionSchema);
const noteLimits = fieldLimits(noteSchema);
const messageLimits = fieldLimits(messageSchema);

/** The correction the draft holds (kept when the details step is answered again). */
function correctionOf(draft: PartialDraft): Draft["details"] {
  if (draft.type !== "rectification") return {};
  const d = draft.details ?? {};
  return draft.scope === "profile" ? { field: d.field, value: d.value } : { statement: d.statement };
}

function correctionPage(req: Request, draft: PartialDraft, values: Record<string, unknown>) {
  return { title: req.t("requests.new.details.rectificationTitle"), draft, values, limits: correctionLimits };
}

function detailsPage(req: Request, draft: PartialDraft, values: Record<string, unknown>) {
  return { title: req.t("requests.new.details.title"), draft, values, limits: noteLimits, backHref: draft.type === "rectification" ? "/requests/new/correction" : "/requests/new/type" };
}
