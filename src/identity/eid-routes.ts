/**
 * Strong eID sign-in (and step-up) for requesters, as a route table: the start sends the browser
 * to the organization's OpenID provider with a fresh state, nonce and PKCE verifier kept sealed
 * in a cookie; the callback checks everything (oidc-client.ts) and starts the session.
 */
import { z } from "zod";
import { recordAudit } from "../platform/audit.js";
import { NotFoundError } from "../platform/errors.js";
import { publicAudience, route, type Call } from "../platform/http/route-table.js";
import { EID_CALLBACK_PATH, EidRefused, completeEidFlow, eidAuthorizationUrl, newEidFlow, type EidFlow } from "./oidc-client.js";
import { eidOffered, type EidConfig } from "./oidc-config.js";
import { safeNext } from "./safe-next.js";
import { readSealedValue, sealedCookieChange, type SealedCookie } from "./sealed-cookie.js";
import { sessionCookieChange } from "./sessions.js";
import { identityActions, signInActor } from "./sign-in-audit.js";
import { signInWithEid } from "./sign-in-with-eid.js";

export const EID_START_PATH = "/sign-in/eid";

/** The flow between the redirect and the provider's answer: sealed, ten minutes, these pages only. */
const eidFlowCookie: SealedCookie = { name: "rd_eid", path: EID_START_PATH, purpose: "eid-flow", ttlMs: 10 * 60_000 };

interface StoredFlow extends EidFlow {
  next: string;
  /** The session this browser had when it started: a step-up continues only that session. */
  sid: string | null;
}

function configOf(call: Call): EidConfig {
  const config = eidOffered(call.org);
  if (!config) throw new NotFoundError("page");
  return config;
}

function failed(call: Call, reason: "expired" | "refused" | "linked", status: number) {
  const config = eidOffered(call.org);
  return {
    view: "identity/eid-failed",
    status,
    locals: { title: call.t("identity.eid.failed.title"), reason, provider: config?.providerLabel ?? "" },
    cookies: [sealedCookieChange(call.ctx, eidFlowCookie, call.org.id, undefined)],
  };
}

function flowOf(call: Call): StoredFlow | undefined {
  const raw = readSealedValue(call.ctx, call.cookies, call.org.id, eidFlowCookie);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as StoredFlow;
  } catch {
    return undefined;
  }
}

const startQuery = z.object({ next: z.string().max(512).optional() });

export const eidRoutes = [
  route({
    method: "get", path: EID_START_PATH, who: publicAudience, input: startQuery,
    run: async (call) => {
      const config = configOf(call);
      const flow = newEidFlow();
      const session = call.session?.kind === "requester" && call.session.stage === "complete" ? call.session : undefined;
      const stored: StoredFlow = { ...flow, next: safeNext(call.input.next), sid: session?.idHash ?? null };
      let url: URL;
      try {
        url = await eidAuthorizationUrl(call.ctx, call.org.id, config, flow, call.locale);
      } catch (err) {
        call.ctx.logger.warn({ err: (err as Error).message }, "eid provider unreachable");
        await auditRefusal(call, err instanceof EidRefused ? err.reason : "provider_unreachable", config);
        return failed(call, "refused", 502);
      }
      return { redirect: url.href, cookies: [sealedCookieChange(call.ctx, eidFlowCookie, call.org.id, JSON.stringify(stored))] };
    },
  }),
  route({
    method: "get", path: EID_CALLBACK_PATH, who: publicAudience,
    run: async (call) => {
      const config = configOf(call);
      // Single use: whatever happens next, this browser's flow is over.
      const flow = flowOf(call);
      if (!flow) {
        await auditRefusal(call, "no_flow", config);
        return failed(call, "expired", 400);
      }
      const current = flow.sid && call.session?.idHash === flow.sid ? call.session : undefined;
      if (flow.sid && !current) {
        await auditRefusal(call, "session_changed", config);
        return failed(call, "expired", 400);
      }
      let claims;
      try {
        claims = await completeEidFlow(call.ctx, call.org.id, config, flow, new URL(call.url, call.ctx.config.BASE_URL));
      } catch (err) {
        if (!(err instanceof EidRefused)) throw err;
        await auditRefusal(call, err.reason, config);
        return failed(call, "refused", 400);
      }
      const result = await signInWithEid(call.ctx, {
        org: call.org, claims, provider: config.providerLabel, current, previousSessionIdHash: call.session?.idHash, ip: call.ip, locale: call.locale,
      });
      if (!result.ok) return failed(call, "linked", 409);
      return {
        redirect: flow.next,
        cookies: [sealedCookieChange(call.ctx, eidFlowCookie, call.org.id, undefined), sessionCookieChange(call.ctx, result.token)],
      };
    },
  }),
];

/** A refused eID sign-in, with a stable reason and never a token, a code or a claim's value. */
async function auditRefusal(call: Call, reason: string, config: EidConfig): Promise<void> {
  const subjectId = call.session?.kind === "requester" ? call.session.subjectId : null;
  await recordAudit(call.ctx, {
    orgId: call.org.id, actor: signInActor(subjectId), action: identityActions.signInFailed, subjectId, ip: call.ip,
    details: { method: "eid", reason, provider: config.providerLabel },
  });
}
