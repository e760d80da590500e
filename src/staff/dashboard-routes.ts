/** The DPO's overview of the organization: the dashboard and the request register as CSV. */
import { staffAudience } from "../identity/audience.js";
import { route, type Call } from "../platform/http/route-table.js";
import { dashboardStats } from "./dashboard-stats.js";
import { requestRegisterCsv } from "./request-register.js";

const orgOf = (_: unknown, call: Call) => ({ kind: "org" as const, orgId: call.org.id });

const REGISTER_HEADERS = {
  "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="request-register.csv"', "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
};

export const dashboardRoutes = [
  route({
    method: "get", path: "/staff/dashboard", who: staffAudience, action: "viewDashboard", on: orgOf,
    run: async ({ ctx, org, t }) => ({ view: "staff/dashboard", locals: { title: t("staff.dashboard.title"), stats: await dashboardStats(ctx, org) } }),
  }),
  route({
    method: "get", path: "/staff/requests.csv", who: staffAudience, action: "exportRegister", on: orgOf,
    run: ({ ctx, actor }) => ({
      headers: REGISTER_HEADERS,
      send: async (res) => {
        for await (const chunk of requestRegisterCsv(ctx, actor)) res.write(chunk);
        res.end();
      },
    }),
  }),
];
