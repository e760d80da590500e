import type { AppContext } from "../context.js";
import type { Translate } from "../platform/i18n.js";
import type { RequestRow } from "../requests/change-status.js";
import { conversationsInScope } from "../requests/request-scope.js";

/** What views/platform/confirm.ejs shows before an action that cannot be undone. */
export interface ConfirmPage {
  title: string;
  heading: string;
  warning: string;
  rows: { key: string; value: string }[];
  action: string;
  button: string;
  cancelLabel: string;
}

/**
 * Before a DPO approves an erasure (the first pair of eyes) or confirms it (the second): which
 * request, how many conversations it destroys, and that the second step cannot be undone.
 */
export async function erasureConfirmPage(ctx: AppContext, { t, form }: { t: Translate; form: Record<string, unknown> }, r: RequestRow, step: "approve" | "confirm"): Promise<ConfirmPage> {
  const message = typeof form.message === "string" ? form.message.trim() : "";
  const conversations = await conversationsInScope(ctx.db, r);
  return {
    title: t(`staff.confirm.${step}.title`, { reference: r.reference }),
    heading: t(`staff.confirm.${step}.heading`, { reference: r.reference }),
    warning: t(`staff.confirm.${step}.warning`),
    rows: [
      { key: t("staff.queue.type"), value: `${t(`staff.requestTypes.${r.type}`)} · ${t(`requests.scopes.${r.scope}`)}` },
      { key: t("staff.confirm.conversations"), value: String(conversations.length) },
      ...(step === "approve" && message ? [{ key: t("staff.confirm.message"), value: message }] : []),
    ],
    action: `/staff/requests/${r.id}/${step === "approve" ? "approve" : "confirm-erasure"}`,
    button: t(`staff.confirm.${step}.button`),
    cancelLabel: t("staff.confirm.cancel"),
  };
}
