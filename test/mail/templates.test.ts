import { expect } from "chai";
import { loadCatalogs, supportedLocales, type Locale } from "../../src/platform/i18n.js";
import { renderMail, type RenderedMail } from "../../src/mail/render.js";
import { decisionOutcomes, templateNames, type MailTemplates, type TemplateName } from "../../src/mail/templates.js";

/** Chat content that must never reach an e-mail, whatever a caller passes along. */
const SENTINEL = "SENTINEL-chat-content-7f3a: I told the helpline about my stepfather";

const requestUrl = "https://portal.example.test/requests/RD-7K3Q-M9XA";
const orgName = "Apu & Tuki <Helpline>";

/** Sample data for every template, covering each branch (compile error if a template is missing). */
const samples: { [K in TemplateName]: MailTemplates[K][] } = {
  verification_code: [{ code: "482 913", minutes: 10, orgName }],
  password_reset: [
    { resetUrl: "https://portal.example.test/password-reset/tok3n", minutes: 30, orgName },
    { resetUrl: "", minutes: 30, orgName },
  ],
  request_received: [{ reference: "RD-7K3Q-M9XA", dueDate: "2026-04-02", requestUrl, orgName }],
  more_information_needed: [{ reference: "RD-7K3Q-M9XA", requestUrl, orgName }],
  extension: [
    { reference: "RD-7K3Q-M9XA", newDueDate: "2026-06-02", requestUrl, orgName },
    { reference: "RD-7K3Q-M9XA", newDueDate: "2026-06-02", requestUrl, orgName, reasonKind: "complexity" },
    { reference: "RD-7K3Q-M9XA", newDueDate: "2026-06-02", requestUrl, orgName, reasonKind: "number_of_requests" },
  ],
  message_waiting: [{ reference: "RD-7K3Q-M9XA", requestUrl, orgName }],
  decision: [
    ...decisionOutcomes.map((outcome) =>
      outcome === "rejected" || outcome === "partially_rejected"
        ? { reference: "RD-7K3Q-M9XA", outcome, requestUrl, orgName, authorityName: "Tietosuojavaltuutetun toimisto", authorityUrl: "https://tietosuoja.fi/notification-to-the-data-protection-ombudsman" }
        : { reference: "RD-7K3Q-M9XA", outcome, requestUrl, orgName },
    ),
    // Authority unknown: a general sentence instead of an empty name and link.
    { reference: "RD-7K3Q-M9XA", outcome: "rejected", requestUrl, orgName, authorityName: "", authorityUrl: "" },
  ],
  package_ready: [{ reference: "RD-7K3Q-M9XA", requestUrl, expiresOn: "2026-04-16", orgName }],
  complaint_received: [{ reference: "RD-7K3Q-M9XA", complaintReference: "CP-4D2W-8XQE", dueDate: "2026-05-02", requestUrl, orgName }],
  staff_invitation: (["reviewer", "dpo", "admin"] as const).map((role) => ({ inviteUrl: "https://portal.example.test/staff/invite/inv1te", orgName, role, days: 7 })),
  staff_digest: [
    { dueSoon: 3, overdue: 1, queueUrl: "https://portal.example.test/staff/requests", orgName, date: "2026-03-02" },
    { dueSoon: 0, overdue: 0, queueUrl: "https://portal.example.test/staff/requests", orgName, date: "2026-03-02" },
  ],
  staff_overdue_alert: [{ reference: "RD-7K3Q-M9XA", dueDate: "2026-03-01", requestUrl: "https://portal.example.test/staff/requests/5e0c", orgName }],
  staff_escalation: [{ reference: "RD-7K3Q-M9XA", complaintReference: "CP-4D2W-8XQE", requestUrl: "https://portal.example.test/staff/requests/5e0c", orgName }],
  complaint_answered: [{ reference: "RD-7K3Q-M9XA", complaintReference: "CP-4D2W-8XQE", requestUrl: `${requestUrl}/complaint`, orgName }],
  staff_complaint_escalated: [{ reference: "RD-7K3Q-M9XA", complaintReference: "CP-4D2W-8XQE", authorityName: "Autoriteit Persoonsgegevens (AP)", requestUrl: "https://portal.example.test/staff/complaints/5e0c", orgName }],
  fulfilment_completed: [
    // Account erased, one conversation kept under legal hold: no link, the rights instead.
    { reference: "RD-7K3Q-M9XA", orgName, kind: "erasure", conversationsErased: 3, profileErased: "yes", keptChildProtection: 1, keptPoliceReport: 0, recipients: 2, authorityName: "Tietosuojavaltuutetun toimisto", authorityUrl: "https://tietosuoja.fi/notification-to-the-data-protection-ombudsman" },
    { reference: "RD-7K3Q-M9XA", orgName, kind: "erasure", requestUrl, conversationsErased: 1, profileErased: "no", keptPoliceReport: 1, authorityName: "", authorityUrl: "" },
    ...(["rectification", "restriction", "objection", "withdraw_consent"] as const).map((kind) => ({ reference: "RD-7K3Q-M9XA", orgName, kind, requestUrl })),
  ],
  restriction_lift_notice: [{ reference: "RD-7K3Q-M9XA", requestUrl, orgName }],
};

interface Case {
  name: TemplateName;
  locale: Locale;
  data: Record<string, unknown>;
}

const cases: Case[] = templateNames.flatMap((name) =>
  (samples[name] as unknown as Record<string, unknown>[]).flatMap((data) => supportedLocales.map((locale) => ({ name, locale, data }))),
);

async function render(c: Case, extra: Record<string, unknown> = {}): Promise<{ mail: RenderedMail; keys: Set<string> }> {
  const keys = new Set<string>();
  const mail = await renderMail(c.name, c.locale, { ...c.data, ...extra } as unknown as MailTemplates[TemplateName], { onKey: (k) => keys.add(k) });
  return { mail, keys };
}

const label = (c: Case) => `${c.name} [${c.locale}] ${JSON.stringify(c.data).slice(0, 80)}`;

describe("mail: templates in every language", () => {
  it("has a sample for every template and a template pair for every name", () => {
    expect(Object.keys(samples).sort()).to.deep.equal([...templateNames].sort());
    expect(cases.length).to.be.greaterThan(templateNames.length * supportedLocales.length);
  });

  it("renders every template in every language without a missing translation, placeholder, undefined or null", async () => {
    const catalogs = loadCatalogs();
    const problems: string[] = [];
    for (const c of cases) {
      const { mail, keys } = await render(c);
      keys.add(`mail.${c.name}.subject`);
      for (const key of keys) {
        // The locale's own catalog, not the English fallback.
        if (!catalogs[c.locale].has(key)) problems.push(`${label(c)}: missing key ${key}`);
      }
      for (const [part, text] of Object.entries(mail)) {
        const placeholder = text.match(/\{\w+\}/);
        if (placeholder) problems.push(`${label(c)}: unfilled ${placeholder[0]} in ${part}`);
        const bad = text.match(/\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]/);
        if (bad) problems.push(`${label(c)}: "${bad[0]}" in ${part}`);
        if (/\bmail\.[a-z_]+\.[A-Za-z_.]+/.test(text)) problems.push(`${label(c)}: a raw catalog key in ${part}`);
        if (text.trim() === "") problems.push(`${label(c)}: empty ${part}`);
      }
    }
    expect(problems, problems.join("\n")).to.deep.equal([]);
  });

  it("has the same mail keys in every language", () => {
    const catalogs = loadCatalogs();
    const mailKeys = (l: Locale) => [...catalogs[l].keys()].filter((k) => k.startsWith("mail.")).sort();
    for (const locale of supportedLocales) {
      const missing = mailKeys("en").filter((k) => !catalogs[locale].has(k));
      const extra = mailKeys(locale).filter((k) => !catalogs.en.has(k));
      expect({ locale, missing, extra }).to.deep.equal({ locale, missing: [], extra: [] });
    }
  });

  it("shows YYYY-MM-DD dates in the language's long format", async () => {
    const expected: Record<Locale, string> = { en: "2 April 2026", fi: "2. huhtikuuta 2026", sv: "2 april 2026", nl: "2 april 2026", et: "2. aprill 2026" };
    for (const locale of supportedLocales) {
      const { mail } = await render({ name: "request_received", locale, data: samples.request_received[0]! as unknown as Record<string, unknown> });
      expect(mail.text, locale).to.include(expected[locale]);
      expect(mail.html, locale).to.include(expected[locale]);
      expect(mail.text).not.to.include("2026-04-02");
    }
  });

  it("never puts chat content or other personal data passed along by a caller into an e-mail", async () => {
    const extra = {
      body: SENTINEL, message: SENTINEL, text: SENTINEL, note: SENTINEL, reason: SENTINEL, decisionReason: SENTINEL,
      statement: SENTINEL, topic: SENTINEL, displayName: SENTINEL, email: "someone.else@example.test", ip: "192.0.2.44",
    };
    for (const c of cases) {
      const { mail } = await render(c, extra);
      for (const [part, text] of Object.entries(mail)) {
        expect(text, `${label(c)} ${part}`).not.to.include("SENTINEL");
        expect(text, `${label(c)} ${part}`).not.to.include("someone.else@example.test");
        expect(text, `${label(c)} ${part}`).not.to.include("192.0.2.44");
      }
    }
  });

  it("escapes HTML in the HTML part and not in the text part", async () => {
    for (const c of cases) {
      const { mail } = await render(c);
      expect(mail.html, label(c)).not.to.include("<Helpline>");
      expect(mail.html, label(c)).to.include("Apu &amp; Tuki &lt;Helpline&gt;");
      expect(mail.text, label(c)).to.include("Apu & Tuki <Helpline>");
      expect(mail.text, label(c)).not.to.match(/&amp;|&lt;|&#\d+;|<\/?(p|a|br|li)\b/);
    }
  });

  it("links only to the pages it was given, and package_ready never to a download", async () => {
    const urlFields = ["requestUrl", "queueUrl", "inviteUrl", "resetUrl", "authorityUrl"];
    for (const c of cases) {
      const { mail } = await render(c);
      const allowed = new Set(urlFields.map((f) => c.data[f]).filter((v): v is string => typeof v === "string" && v !== ""));
      const hrefs = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
      for (const href of hrefs) expect(allowed.has(href), `${label(c)}: ${href}`).to.equal(true);
      const textUrls = mail.text.match(/https?:\/\/\S+/g) ?? [];
      for (const url of textUrls) expect(allowed.has(url), `${label(c)}: ${url}`).to.equal(true);
    }
    for (const locale of supportedLocales) {
      const { mail } = await render({ name: "package_ready", locale, data: samples.package_ready[0]! as unknown as Record<string, unknown> });
      expect([...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).to.deep.equal([requestUrl]);
      expect(mail.text + mail.html).not.to.match(/download\/|\/exports\//i);
    }
  });

  it("names the supervisory authority and the courts on a refusal (Art. 12(4)), in every language", async () => {
    const catalogs = loadCatalogs();
    for (const outcome of ["rejected", "partially_rejected"] as const) {
      for (const locale of supportedLocales) {
        const data = samples.decision.find((d) => d.outcome === outcome)!;
        const { mail } = await render({ name: "decision", locale, data: data as unknown as Record<string, unknown> });
        for (const part of [mail.text, mail.html]) {
          expect(part).to.include("Tietosuojavaltuutetun toimisto");
          expect(part).to.include("https://tietosuoja.fi/notification-to-the-data-protection-ombudsman");
          expect(part).to.include(catalogs[locale].get("mail.decision.rightsCourt")!);
        }
      }
    }
    const approved = await render({ name: "decision", locale: "en", data: samples.decision.find((d) => d.outcome === "approved")! as unknown as Record<string, unknown> });
    expect(approved.mail.text).not.to.include(catalogs.en.get("mail.decision.rightsCourt")!);
    const unknownAuthority = await render({ name: "decision", locale: "fi", data: samples.decision.at(-1)! as unknown as Record<string, unknown> });
    expect(unknownAuthority.mail.text).to.include(catalogs.fi.get("mail.decision.rightsAuthorityGeneric")!);
    expect(unknownAuthority.mail.text).to.include(catalogs.fi.get("mail.decision.rightsCourt")!);
  });
});
