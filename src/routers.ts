import type { Router } from "express";
import type { AppContext } from "./context.js";
import { homeRouter } from "./platform/http/home-routes.js";
import { requestsRouter } from "./requests/routes.js";

/** Every capability's router, in mount order (one line each). */
export function capabilityRouters(ctx: AppContext): Router[] {
  return [
    homeRouter(ctx),
    requestsRouter(ctx),
  ];
}
