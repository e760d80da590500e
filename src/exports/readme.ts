/**
 * README.html, the first layer of an access package: what is inside, the Art. 15(1)
 * information, what was left out and why, and how to check the package. Self-contained
 * like the transcripts (no scripts, no external resources), and every value escaped.
 */
import { escapeHtml } from "../platform/text.js";
import { formatDateTime } from "./render/transcript-html.js";
import type { Translate } from "../platform/i18n.js";
import type { ArticleFifteenInfo } from "./information.js";
import type { RequestHistoryItem } from "./request-history.js";
import type { ErasedConversation, WithheldItem } from "./package-data.js";
import { partialRefusalNoticeHtml, type PartialRefusalNotice } from "./partial-refusal-notice.js";

export interface ReadmeFile {
  path: string;
  description: string;
}

export interface ReadmeInput {
  kind: "access_zip" | "export_json";
  orgName: string;
  reference: string;
  issuedAt: Date;
  locale: string;
  timeZone: string;
  verificationCode: string;
  verifyUrl: string;
  keySha256: string;
  files: ReadmeFile[];
  conversationCount: number;
  info: ArticleFifteenInfo;
  /** The person's requests with their messages and decisions (optional: older callers). */
  history?: RequestHistoryItem[];
  withheld: WithheldItem[];
  erased: ErasedConversation[];
  /** Art. 12(4), when the DPO's review withheld anything. */
  notice?: PartialRefusalNotice;
  t: Translate;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; line-height: 1.5;
  color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 46rem; padding: 1.5rem 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin-bottom: 0.25rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem 0.3rem 0; border-bottom: 1px solid #ddd; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.panel { border-left: 6px solid #1f6feb; background: #f2f7ff; padding: 0.5rem 1rem; }
@media print { body { max-width: none; padding: 0; } }
`;

function list(items: string[]): string {
  return `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`;
}

function withheldText(item: WithheldItem, t: Translate): string {
  return t(`exports.withheld.${item.kind}`, { count: item.count ?? 0, reason: item.reason ?? "" });
}

export function renderReadmeHtml(input: ReadmeInput): string {
  const { t, info } = input;
  const e = (key: string, vars?: Record<string, string | number>) => escapeHtml(t(key, vars));
  const issued = formatDateTime(input.issuedAt, input.locale, input.timeZone);
  const parts: string[] = [];
  parts.push(
    "<!DOCTYPE html>",
    `<html lang="${escapeHtml(input.locale)}">`,
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e("exports.readme.title", { org: input.orgName })}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>${e("exports.readme.title", { org: input.orgName })}</h1>`,
    `<p class="panel">${e(input.kind === "export_json" ? "exports.readme.introPortability" : "exports.readme.intro", {
      org: input.orgName,
      reference: input.reference,
      issued,
    })}</p>`,
    `<p>${e("exports.readme.offline")}</p>`,
  );

  // What is inside
  parts.push(`<h2>${e("exports.readme.contentsHeading")}</h2>`);
  if (input.conversationCount === 0) parts.push(`<p>${e("exports.readme.noConversations")}</p>`);
  parts.push(
    `<table><thead><tr><th>${e("exports.readme.fileColumn")}</th><th>${e("exports.readme.contentColumn")}</th></tr></thead><tbody>`,
    ...input.files.map((f) => `<tr><td><code>${escapeHtml(f.path)}</code></td><td>${escapeHtml(f.description)}</td></tr>`),
    "</tbody></table>",
  );

  // Art. 15(1)
  parts.push(`<h2>${e("exports.info.heading")}</h2>`);
  parts.push(`<p>${e("exports.info.controller", { org: info.controller.name })}</p>`);
  if (info.controller.dpoEmail) parts.push(`<p>${e("exports.info.dpo", { email: info.controller.dpoEmail })}</p>`);
  parts.push(`<h3>${e("exports.info.purposes")}</h3>`, list(info.purposes));
  parts.push(`<h3>${e("exports.info.legalBases")}</h3>`, list(info.legalBases));
  parts.push(`<h3>${e("exports.info.categories")}</h3>`, list(info.categories));
  parts.push(`<h3>${e("exports.info.recipients")}</h3>`);
  parts.push(
    info.recipients.length > 0
      ? list(info.recipients.map((r) => (r.description ? `${r.name} – ${r.description}` : r.name)))
      : `<p>${e("exports.info.noRecipients", { org: input.orgName })}</p>`,
  );
  if (info.disclosures.length > 0) parts.push(`<h3>${e("exports.info.disclosures")}</h3>`, list(info.disclosures));
  parts.push(`<h3>${e("exports.info.retention")}</h3>`, list(info.retention));
  parts.push(`<h3>${e("exports.info.source")}</h3>`, list(info.source));
  parts.push(`<h3>${e("exports.info.transfers")}</h3>`, list(info.transfers.details));
  parts.push(`<h3>${e("exports.info.automated")}</h3>`, `<p>${escapeHtml(info.automatedDecisionMaking)}</p>`);

  // Rights and complaint
  parts.push(`<h2>${e("exports.rights.heading")}</h2>`, `<p>${e("exports.rights.intro")}</p>`, list(info.rights));
  parts.push(`<h2>${e("complaints.authority.heading")}</h2>`, `<p>${e("complaints.authority.intro")}</p>`);
  const a = info.supervisoryAuthority;
  if (a) {
    const name = a.name === a.nameEnglish ? a.name : `${a.name} (${a.nameEnglish})`;
    parts.push(
      "<dl>",
      `<dt>${e("complaints.authority.name")}</dt><dd>${escapeHtml(name)}</dd>`,
      `<dt>${e("complaints.authority.postalAddress")}</dt><dd>${
        a.postalAddress.length > 0
          ? [a.name, ...a.postalAddress].map(escapeHtml).join("<br>")
          : e("complaints.authority.noPostalAddress")
      }</dd>`,
      `<dt>${e("complaints.authority.complaintPage")}</dt><dd><code>${escapeHtml(a.complaintUrl)}</code></dd>`,
      "</dl>",
    );
  } else {
    parts.push(`<p>${e("complaints.authority.unknownCountry")}</p>`);
  }
  parts.push(`<p>${e("complaints.authority.court")}</p>`);

  if (input.history?.length) parts.push(historyHtml(input.history, input, e));

  // Withheld
  parts.push(`<h2>${e("exports.withheld.heading")}</h2>`);
  parts.push(input.withheld.length === 0 ? `<p>${e("exports.withheld.none")}</p>` : list(input.withheld.map((w) => withheldText(w, t))));
  if (input.notice) parts.push(partialRefusalNoticeHtml(input.notice));

  if (input.erased.length > 0) {
    parts.push(`<h2>${e("exports.readme.erasedHeading")}</h2>`);
    parts.push(
      list(
        input.erased.map((c) =>
          t("exports.readme.erasedItem", {
            date: formatDateTime(c.startedAt, input.locale, input.timeZone),
            topic: c.topic ?? t("exports.transcript.noTopic"),
            reference: c.erasedByReference ?? "–",
          }),
        ),
      ),
    );
  }

  // Authenticity
  parts.push(
    `<h2>${e("exports.readme.verifyHeading")}</h2>`,
    `<p>${e("exports.readme.verify", { org: input.orgName, url: input.verifyUrl, code: input.verificationCode })}</p>`,
    `<p>${e("exports.readme.keyFingerprint")} <code>${escapeHtml(input.keySha256)}</code></p>`,
    "</body>",
    "</html>",
    "",
  );
  return parts.join("\n");
}

/** "Your requests to us": each request, its decision with the reasons, and its messages. */
function historyHtml(history: RequestHistoryItem[], input: ReadmeInput, e: (key: string, vars?: Record<string, string | number>) => string): string {
  const { t } = input;
  const when = (d: Date) => formatDateTime(d, input.locale, input.timeZone);
  const out = [`<h2>${e("exports.history.heading")}</h2>`, `<p>${e("exports.history.intro")}</p>`];
  for (const r of history) {
    out.push(`<h3>${escapeHtml(r.reference)} – ${e(`requests.types.${r.type}.label`)}</h3>`, "<dl>");
    out.push(`<dt>${e("exports.history.received")}</dt><dd>${escapeHtml(when(r.receivedAt))}</dd>`);
    out.push(`<dt>${e("exports.history.status")}</dt><dd>${e(`requests.status.${r.status}`)}</dd>`);
    if (r.decision) {
      const ground = r.legalGround ? ` – ${t(`staff.grounds.${r.legalGround}`)}` : "";
      out.push(`<dt>${e("exports.history.decision")}</dt><dd>${escapeHtml(t(`requests.status.${r.decision}`) + ground)}${r.decidedAt ? ` (${escapeHtml(when(r.decidedAt))})` : ""}</dd>`);
    }
    if (r.decisionReason) out.push(`<dt>${e("exports.history.reason")}</dt><dd>${escapeHtml(r.decisionReason)}</dd>`);
    out.push("</dl>");
    if (r.messages.length > 0) {
      out.push(`<ol>${r.messages.map((m) => `<li><strong>${e(m.from === "staff" ? "exports.history.fromUs" : "exports.history.fromYou", { org: input.orgName })}</strong> · ${escapeHtml(when(m.createdAt))}<br><span style="white-space: pre-wrap">${escapeHtml(m.body)}</span></li>`).join("")}</ol>`);
    }
  }
  return out.join("\n");
}
