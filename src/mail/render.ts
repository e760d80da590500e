import path from "node:path";
import { fileURLToPath } from "node:url";
import ejs from "ejs";
import { formatters, isLocale, translator, type Locale } from "../platform/i18n.js";
import type { MailTemplates, TemplateName } from "./templates.js";

const templatesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "templates");

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Renders templates/<name>.{text,html}.ejs in the recipient's language. The subject is the
 * catalog entry mail.<name>.subject. Text templates use <%- %> (no HTML escaping) on purpose.
 */
export async function renderMail<K extends TemplateName>(
  name: K,
  localeName: string,
  data: MailTemplates[K],
): Promise<RenderedMail> {
  const locale: Locale = isLocale(localeName) ? localeName : "en";
  const t = translator(locale);
  const fmt = formatters(locale, "UTC");
  const locals = { ...data, t, locale, fmt };
  const [text, html] = await Promise.all([
    ejs.renderFile(path.join(templatesDir, `${name}.text.ejs`), locals, { async: false }),
    ejs.renderFile(path.join(templatesDir, `${name}.html.ejs`), locals, { async: false }),
  ]);
  return { subject: t(`mail.${name}.subject`, data as unknown as Record<string, string>), text, html };
}
