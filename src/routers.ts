import type { Router } from "express";
import type { AppContext } from "./context.js";
import { homeRouter } from "./platform/http/home-routes.js";

/** Every capability's router, in mount order. */
export function capabilityRouters(ctx: AppContext): Router[] {
  return [homeRouter(ctx)];
}
