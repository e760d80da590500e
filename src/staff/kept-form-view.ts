import type { StaffRole } from "../db/schema/index.js";
import { isLocale, localeNames, type Translate } from "../platform/i18n.js";
import { staffHome } from "./staff-home.js";
import type { KeptForm } from "../identity/reauth-replay.js";

/** How one kept field is shown again: free text stays editable, choices are shown in words. */
export interface KeptField {
  name: string;
  values: string[];
  kind: "textarea" | "text" | "shown" | "hidden";
  label?: string;
  shown?: string;
}

const textareas = new Set(["message", "reason", "body"]);
const texts = new Set(["name", "email"]);

function shownValue(name: string, value: string, t: Translate): string | undefined {
  if (name === "legalGround") return t(`staff.grounds.${value}`);
  if (name === "role") return t(`staff.roles.${value}`);
  if (name === "locale") return isLocale(value) ? localeNames[value] : t("staff.account.orgDefault");
  return undefined;
}

/** The kept form as the resume page shows it, and where "back" leads. */
export function keptFormView(kept: KeptForm, t: Translate, role: StaffRole): { action: string; fields: KeptField[]; back: string; what: string } {
  const fields = Object.entries(kept.fields).map(([name, value]): KeptField => {
    const values = Array.isArray(value) ? value : [value];
    const label = t(`staff.resume.fields.${name}`);
    const hasLabel = label !== `staff.resume.fields.${name}`;
    if (hasLabel && values.length === 1 && textareas.has(name)) return { name, values, kind: "textarea", label };
    if (hasLabel && values.length === 1 && texts.has(name)) return { name, values, kind: "text", label };
    const shown = values.length === 1 ? shownValue(name, values[0]!, t) : undefined;
    if (hasLabel && shown !== undefined) return { name, values, kind: "shown", label, shown };
    return { name, values, kind: "hidden" };
  });
  const onRequest = /^(\/staff\/requests\/[0-9a-f-]{36})\/([\w-]+)$/i.exec(kept.action);
  const onAdmin = /^\/staff\/admin\/staff(\/[\w-]+)*$/.exec(kept.action);
  // A settings section: back to its own page, whichever section it was.
  const onSettings = /^\/staff\/admin\/settings\/[\w-]+$/.exec(kept.action);
  const back = onRequest ? onRequest[1]! : onAdmin ? "/staff/admin/staff" : onSettings ? kept.action : staffHome(role);
  const verb = onSettings ? "settings" : (onRequest?.[2] ?? /\/([\w-]+)$/.exec(kept.action)?.[1] ?? "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const what = t(`staff.resume.actions.${verb}`);
  return { action: kept.action, fields, back, what: what === `staff.resume.actions.${verb}` ? t("staff.resume.actions.other") : what };
}
