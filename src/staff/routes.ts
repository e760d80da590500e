import { Router } from "express";
import type { AppContext } from "../context.js";
import { requireStaff } from "../identity/staff-session.js";
import { mountRoutes } from "../platform/http/route-table.js";
import { noStore } from "../platform/http/no-store.js";
import { mountAdminRoutes, mountInvitationRoutes } from "./admin-routes.js";
import { caseRoutes } from "./case-routes.js";
import { dashboardRoutes } from "./dashboard-routes.js";
import { staffPolicy } from "./policies.js";
import { mountQueueRoutes } from "./queue-routes.js";
import { reauthRoutes, signInLimits, signInRoutes } from "./sign-in-routes.js";

/** Every table of the staff area, in the order the staff router mounts them. */
export function staffRouter(ctx: AppContext): Router {
  const router = Router();
  const limits = signInLimits(ctx);
  // Every staff page, the sign-in, TOTP and invitation pages before requireStaff included.
  router.use("/staff", noStore);
  mountRoutes(router, ctx, { routes: signInRoutes(limits) });
  mountInvitationRoutes(router, ctx);

  // --- signed-in staff ------------------------------------------------------------------------
  router.use("/staff", requireStaff());
  mountRoutes(router, ctx, { routes: reauthRoutes(limits) });
  mountQueueRoutes(router, ctx);
  mountRoutes(router, ctx, { routes: [...dashboardRoutes, ...caseRoutes], ...staffPolicy.forRoutes });
  mountAdminRoutes(router, ctx);
  return router;
}
