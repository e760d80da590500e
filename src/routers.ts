import type { Router } from "express";
import type { AppContext } from "./context.js";
import { homeRouter } from "./platform/http/home-routes.js";
import { identityRouter } from "./identity/routes.js";
import { chatsApiRouter } from "./chats/api-routes.js";
import { requestsRouter } from "./requests/routes.js";
import { staffRouter } from "./staff/routes.js";
import { exportsRouter } from "./exports/routes.js";

/** Every capability's router, in mount order (one line each). */
export function capabilityRouters(ctx: AppContext): Router[] {
  return [
    homeRouter(ctx),
    identityRouter(ctx),
    chatsApiRouter(ctx),
    requestsRouter(ctx),
    staffRouter(ctx),
    exportsRouter(ctx),
  ];
}
