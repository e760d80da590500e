import type { Router } from "express";
import type { AppContext } from "./context.js";
import { homeRouter } from "./platform/http/home-routes.js";
import { identityRouter } from "./identity/routes.js";
import { chatsApiRouter } from "./chats/api-routes.js";
import { requestsRouter } from "./requests/routes.js";
import { staffRouter } from "./staff/routes.js";
import { decisionRouter } from "./staff/decision-routes.js";
import { exportsRouter } from "./exports/routes.js";
import { complaintsRouter } from "./complaints/routes.js";
import { fulfilmentRouter } from "./fulfilment/routes.js";
import { reviewRouter } from "./fulfilment/review-routes.js";
import { researchRouter } from "./fulfilment/research-routes.js";
import { erasureOutcomeRouter } from "./fulfilment/erasure-outcome-routes.js";
import { retentionRouter } from "./retention/routes.js";
import { presetRouter } from "./retention/preset-routes.js";
import { auditRouter } from "./audit/routes.js";
import { readinessGate } from "./settings/gate.js";
import { settingsRouter } from "./settings/routes.js";
import { eidSettingsRouter } from "./settings/eid-routes.js";

/** Every capability's router, in mount order (one line each). */
export function capabilityRouters(ctx: AppContext): Router[] {
  return [
    // First: an organization that has not finished its settings does not open its requester pages.
    readinessGate(ctx),
    homeRouter(ctx),
    identityRouter(ctx),
    chatsApiRouter(ctx),
    requestsRouter(ctx),
    staffRouter(ctx),
    decisionRouter(ctx),
    fulfilmentRouter(ctx),
    reviewRouter(ctx),
    researchRouter(ctx),
    erasureOutcomeRouter(ctx),
    exportsRouter(ctx),
    complaintsRouter(ctx),
    retentionRouter(ctx),
    // Before settingsRouter: its /staff/admin/settings/:section would answer "not found" for eid.
    eidSettingsRouter(ctx),
    presetRouter(ctx),
    settingsRouter(ctx),
    auditRouter(ctx),
  ];
}
