import path from "node:path";
import { fileURLToPath } from "node:url";
import ejs from "ejs";
import { formatters, isLocale, translator, type Locale, type Translate } from "../platform/i18n.js";
import { escapeTemplateValue } from "../platform/text.js";
import type { MailTemplates, TemplateName } from "./templates.js";

const templatesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "templates");

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderOptions {
  /** Called with every catalog key the templates ask for (tests check each exists in the locale). */
  onKey?: (key: string) => void;
}

/**
 * Renders templates/<name>.{text,html}.ejs in the recipient's language. The subject is the
 * catalog entry mail.<name>.subject. Text templates use <%- %> (no HTML escaping) on purpose;
 * HTML templates use <%= %>, escaped as pages are (platform/text.ts). Templates get `t`, `locale` and `fmt` (fmt.localDate shows a
 * "YYYY-MM-DD" date in the locale's long format) besides the template's data.
 */
export async function renderMail<K extends TemplateName>(
  name: K,
  localeName: string,
  data: MailTemplates[K],
  opts: RenderOptions = {},
): Promise<RenderedMail> {
  const locale: Locale = isLocale(localeName) ? localeName : "en";
  const base = translator(locale);
  const t: Translate = opts.onKey
    ? (key, vars) => {
        opts.onKey!(key);
        return base(key, vars);
      }
    : base;
  const fmt = formatters(locale, "UTC");
  const locals = { ...data, t, locale, fmt };
  const [text, html] = await Promise.all([
    ejs.renderFile(path.join(templatesDir, `${name}.text.ejs`), locals, { async: false }),
    ejs.renderFile(path.join(templatesDir, `${name}.html.ejs`), locals, { async: false, escape: escapeTemplateValue }),
  ]);
  const subject = t(`mail.${name}.subject`, subjectVars(data as unknown as Record<string, unknown>))
    .replace(/\s+/g, " ")
    .trim();
  return { subject, text: tidyText(text), html };
}

/** Only strings and numbers reach the subject line. */
function subjectVars(data: Record<string, unknown>): Record<string, string | number> {
  const vars: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === "string" || typeof v === "number") vars[k] = v;
  return vars;
}

/**
 * Drops trailing spaces and the extra blank lines EJS control lines leave behind, keeping the
 * "-- " signature separator intact, and ends with one newline.
 */
function tidyText(text: string): string {
  const lines = text.split(/\r?\n/).map((line) => (line === "-- " ? line : line.trimEnd()));
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").trim()}\n`;
}
