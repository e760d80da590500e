import { Router, type Request, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import type { AppContext } from "../context.js";
import { NotFoundError, ValidationError, type FieldErrors } from "../platform/errors.js";
import { toFieldErrors } from "../platform/http/validate.js";
import { identityLimits } from "./limits.js";
import { clearPendingEmail, pendingEmail, setPendingEmail } from "./pending-email.js";
import { dropResetToken, heldResetToken, holdResetToken } from "./reset-link-cookie.js";
import { findUsableReset, PASSWORD_MIN_LENGTH, resetPassword } from "./reset-password.js";
import { requestPasswordReset } from "./request-password-reset.js";
import { safeNext, nextQuery } from "./safe-next.js";
import { emailCodeForm, emailForm, methodForm, newPasswordForm, passwordForm, receiptForm } from "./schema.js";
import { sendEmailCode } from "./send-email-code.js";
import { clearSessionCookie, setSessionCookie } from "./sessions.js";
import type { Session } from "../platform/session.js";
import { signInWithPassword } from "./sign-in-with-password.js";
import { signInWithReceipt } from "./sign-in-with-receipt.js";
import { signOut } from "./sign-out.js";
import { verifyEmailCode } from "./verify-email-code.js";
import { EMAIL_CODE_DIGITS } from "./email-codes.js";
import { normalizeEmail } from "./email-address.js";
import type { SignInMethod } from "./sign-in-audit.js";
import { noStore } from "../platform/http/no-store.js";
import { mountRoutes } from "../platform/http/route-table.js";
import { EID_START_PATH, eidRoutes } from "./eid-routes.js";
import { eidOffered } from "./oidc-config.js";

const methodPaths: Record<SignInMethod, string> = {
  account: "/sign-in/password",
  email: "/sign-in/email",
  receipt: "/sign-in/receipt",
  eid: EID_START_PATH,
};
const methodOrder: SignInMethod[] = ["receipt", "email", "account", "eid"];

/** Requester sign-in, e-mail codes, receipt codes, password reset and sign-out. HTTP only. */
export function identityRouter(ctx: AppContext): Router {
  const router = Router();
  const limits = identityLimits(ctx);

  // Pages with forms, codes or tokens are never stored by browsers or proxies.
  router.use(["/sign-in", "/password-reset", "/sign-out", "/signed-out"], noStore);

  // --- choose a method -------------------------------------------------------------------
  router.get("/sign-in", (req, res) => {
    const methods = enabledMethods(req);
    const next = nextOf(req.query.next);
    if (methods.length === 1) return res.redirect(303, `${methodPaths[methods[0]!]}${nextQuery(next)}`);
    page(req, res, methods.length ? "identity/sign-in" : "identity/unavailable", "identity.signIn.title", { methods, next, provider: eidOffered(req.org)?.providerLabel });
  });

  router.post("/sign-in", (req, res) => {
    const methods = enabledMethods(req);
    const next = nextOf(body(req).next);
    const parsed = parseForm(methodForm, req.body);
    if (!parsed.ok || !methods.includes(parsed.data.method)) {
      const fieldErrors = parsed.ok ? { method: "identity.errors.chooseMethod" } : parsed.fieldErrors;
      return page(req, res.status(422), "identity/sign-in", "identity.signIn.title", { methods, next, fieldErrors, provider: eidOffered(req.org)?.providerLabel });
    }
    res.redirect(303, `${methodPaths[parsed.data.method]}${nextQuery(next)}`);
  });

  // --- chat account: e-mail and password ---------------------------------------------------
  router.get("/sign-in/password", requireMethod("account"), (req, res) => {
    page(req, res, "identity/password", "identity.password.title", { next: nextOf(req.query.next), changed: req.query.changed === "1" });
  });

  router.post("/sign-in/password", requireMethod("account"), ...limits.passwordSignIn, async (req, res) => {
    const next = nextOf(body(req).next);
    const values = { email: str(body(req).email) };
    const parsed = parseForm(passwordForm, req.body);
    if (!parsed.ok) return page(req, res.status(422), "identity/password", "identity.password.title", { next, values, fieldErrors: parsed.fieldErrors });
    const result = await signInWithPassword(ctx, { org: req.org, ...parsed.data, ip: req.ip, locale: req.locale, previousSessionIdHash: req.session?.idHash });
    if (!result.ok) {
      return page(req, res.status(422), "identity/password", "identity.password.title", { next, values, fieldErrors: { email: "identity.errors.passwordWrong" } });
    }
    signedIn(res, result.token, next);
  });

  // --- e-mail code: address, then code -------------------------------------------------------
  router.get("/sign-in/email", requireMethod("email"), (req, res) => {
    page(req, res, "identity/email", "identity.email.title", { next: nextOf(req.query.next) });
  });

  router.post("/sign-in/email", requireMethod("email"), ...limits.codeRequest, async (req, res) => {
    const next = nextOf(body(req).next);
    const parsed = parseForm(emailForm, req.body);
    if (!parsed.ok) {
      return page(req, res.status(422), "identity/email", "identity.email.title", { next, values: { email: str(body(req).email) }, fieldErrors: parsed.fieldErrors });
    }
    await sendEmailCode(ctx, { org: req.org, email: parsed.data.email, locale: req.locale, ip: req.ip });
    setPendingEmail(ctx, res, req.org.id, normalizeEmail(parsed.data.email));
    res.redirect(303, `/sign-in/email/code${nextQuery(next)}`);
  });

  router.get("/sign-in/email/code", requireMethod("email"), (req, res) => {
    const next = nextOf(req.query.next);
    if (!pendingEmail(req, ctx)) return res.redirect(303, `/sign-in/email${nextQuery(next)}`);
    page(req, res, "identity/email-code", "identity.emailCode.title", { next, digits: EMAIL_CODE_DIGITS });
  });

  router.post("/sign-in/email/code", requireMethod("email"), ...limits.codeCheck, async (req, res) => {
    const next = nextOf(body(req).next);
    const email = pendingEmail(req, ctx);
    if (!email) return res.redirect(303, `/sign-in/email${nextQuery(next)}`);
    const again = (fieldErrors: FieldErrors) =>
      page(req, res.status(422), "identity/email-code", "identity.emailCode.title", { next, digits: EMAIL_CODE_DIGITS, fieldErrors });
    const parsed = parseForm(emailCodeForm, req.body);
    if (!parsed.ok) return again(parsed.fieldErrors);
    const result = await verifyEmailCode(ctx, { org: req.org, email, code: parsed.data.code, ip: req.ip, locale: req.locale, previousSessionIdHash: req.session?.idHash });
    if (!result.ok) {
      const key = {
        wrong: "identity.errors.codeWrong",
        old: "identity.errors.codeOld",
        expired: "identity.errors.codeExpired",
        dead: "identity.errors.codeDead",
        disabled: "identity.errors.codeDead",
      }[result.reason];
      return again({ code: key });
    }
    clearPendingEmail(ctx, res);
    signedIn(res, result.token, next);
  });

  // --- receipt code of one conversation ------------------------------------------------------
  router.get("/sign-in/receipt", requireMethod("receipt"), (req, res) => {
    page(req, res, "identity/receipt", "identity.receipt.title", { next: nextOf(req.query.next) });
  });

  router.post("/sign-in/receipt", requireMethod("receipt"), ...limits.receiptCheck, async (req, res) => {
    const next = nextOf(body(req).next);
    const values = { code: str(body(req).code).slice(0, 64) };
    const again = (fieldErrors: FieldErrors) => page(req, res.status(422), "identity/receipt", "identity.receipt.title", { next, values, fieldErrors });
    const parsed = parseForm(receiptForm, req.body);
    if (!parsed.ok) return again(parsed.fieldErrors);
    const result = await signInWithReceipt(ctx, { org: req.org, code: parsed.data.code, ip: req.ip, locale: req.locale, previousSessionIdHash: req.session?.idHash });
    if (!result.ok && result.reason === "erased") return res.redirect(303, result.outcomePath);
    if (!result.ok) return again({ code: "identity.errors.receiptUnknown" });
    signedIn(res, result.token, next);
  });

  // --- password reset ------------------------------------------------------------------------
  router.get("/password-reset", requireMethod("account"), (req, res) => {
    page(req, res, "identity/password-reset", "identity.reset.title", {});
  });

  router.post("/password-reset", requireMethod("account"), ...limits.resetRequest, async (req, res) => {
    const parsed = parseForm(emailForm, req.body);
    if (!parsed.ok) {
      return page(req, res.status(422), "identity/password-reset", "identity.reset.title", { values: { email: str(body(req).email) }, fieldErrors: parsed.fieldErrors });
    }
    await requestPasswordReset(ctx, { org: req.org, email: parsed.data.email, locale: req.locale, baseUrl: ctx.config.BASE_URL, ip: req.ip });
    res.redirect(303, "/password-reset/sent");
  });

  router.get("/password-reset/sent", requireMethod("account"), (req, res) => {
    page(req, res, "identity/password-reset-sent", "identity.resetSent.title", {});
  });

  // The link's token moves into a sealed cookie at once (see reset-link-cookie.ts).
  router.get("/password-reset/new", requireMethod("account"), async (req, res) => {
    const token = heldResetToken(req, ctx);
    if (!token || !(await findUsableReset(ctx, req.org.id, token))) return resetLinkInvalid(req, res);
    page(req, res, "identity/password-new", "identity.newPassword.title", { minLength: PASSWORD_MIN_LENGTH });
  });

  router.post("/password-reset/new", requireMethod("account"), ...limits.resetSubmit, async (req, res) => {
    const token = heldResetToken(req, ctx);
    if (!token) return resetLinkInvalid(req, res);
    const parsed = parseForm(newPasswordForm, req.body);
    if (!parsed.ok) {
      if (!(await findUsableReset(ctx, req.org.id, token))) return resetLinkInvalid(req, res);
      return page(req, res.status(422), "identity/password-new", "identity.newPassword.title", { minLength: PASSWORD_MIN_LENGTH, fieldErrors: parsed.fieldErrors });
    }
    let result: Awaited<ReturnType<typeof resetPassword>>;
    try {
      result = await resetPassword(ctx, { org: req.org, token, password: parsed.data.password, ip: req.ip });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return page(req, res.status(422), "identity/password-new", "identity.newPassword.title", { minLength: PASSWORD_MIN_LENGTH, fieldErrors: err.fieldErrors });
    }
    if (!result.ok) return resetLinkInvalid(req, res);
    dropResetToken(ctx, res);
    res.redirect(303, "/sign-in/password?changed=1");
  });

  router.get("/password-reset/:token", requireMethod("account"), async (req, res) => {
    const token = req.params.token as string;
    if (!(await findUsableReset(ctx, req.org.id, token))) return resetLinkInvalid(req, res);
    holdResetToken(ctx, res, req.org.id, token);
    res.redirect(303, "/password-reset/new");
  });

  // --- sign-out ------------------------------------------------------------------------------
  router.post("/sign-out", async (req, res) => {
    await signOut(ctx, { session: req.session as Session | undefined, ip: req.ip });
    clearSessionCookie(ctx, res);
    res.redirect(303, "/signed-out");
  });

  router.get("/signed-out", (req, res) => {
    if (req.session) return res.redirect(303, "/");
    page(req, res, "identity/signed-out", "identity.signedOut.title", {});
  });

  // --- strong eID (OpenID Connect), where the organization configured it ------------------------
  mountRoutes(router, ctx, { routes: eidRoutes });

  return router;

  function signedIn(res: Response, token: string, next: string): void {
    setSessionCookie(ctx, res, token);
    res.redirect(303, next);
  }
}

function resetLinkInvalid(req: Request, res: Response): void {
  page(req, res.status(404), "identity/password-reset-invalid", "identity.resetInvalid.title", {});
}

function enabledMethods(req: Request): SignInMethod[] {
  const enabled = req.org.verificationMethods;
  return methodOrder.filter((m) => (m === "eid" ? !!eidOffered(req.org) : enabled[m]));
}

/** A method switched off for this organization does not exist for it. */
function requireMethod(method: Exclude<SignInMethod, "eid">): RequestHandler {
  return (req, _res, next) => (req.org.verificationMethods[method] ? next() : next(new NotFoundError("page")));
}

function page(req: Request, res: Response, view: string, titleKey: string, locals: Record<string, unknown>): void {
  res.render(view, { title: req.t(titleKey), ...locals });
}

function body(req: Request): Record<string, unknown> {
  return (req.body as Record<string, unknown> | undefined) ?? {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The destination after sign-in: a path on this site, else the default. */
function nextOf(value: unknown): string {
  return safeNext(value);
}

type Parsed<S extends z.ZodType> = { ok: true; data: z.infer<S> } | { ok: false; fieldErrors: FieldErrors };

function parseForm<S extends z.ZodType>(schema: S, input: unknown): Parsed<S> {
  const result = schema.safeParse(input ?? {});
  return result.success ? { ok: true, data: result.data } : { ok: false, fieldErrors: toFieldErrors(result.error) };
}
