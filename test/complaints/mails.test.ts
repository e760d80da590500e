import { expect } from "chai";
import { renderMail } from "../../src/mail/render.js";
import { loadCatalogs, supportedLocales } from "../../src/platform/i18n.js";

/** The two e-mails complaints added; test/mail/templates.test.ts checks every template the same way. */
describe("complaints: e-mails in every language", () => {
  const cases = [
    { name: "complaint_answered" as const, data: { reference: "RD-7K3Q-M9XA", complaintReference: "CP-4D2W-8XQE", requestUrl: "https://portal.example.test/requests/RD-7K3Q-M9XA/complaint", orgName: "Apu & Tuki" } },
    { name: "staff_complaint_escalated" as const, data: { reference: "RD-7K3Q-M9XA", complaintReference: "CP-4D2W-8XQE", authorityName: "Autoriteit Persoonsgegevens (AP)", requestUrl: "https://portal.example.test/staff/complaints/5e0c", orgName: "Apu & Tuki" } },
  ];

  for (const c of cases) {
    it(`${c.name}: every key translated, every placeholder filled, only its own link, no complaint text`, async () => {
      const catalogs = loadCatalogs();
      for (const locale of supportedLocales) {
        const keys = new Set<string>([`mail.${c.name}.subject`]);
        const mail = await renderMail(c.name, locale, { ...c.data, body: "SENTINEL", answer: "SENTINEL" } as never, { onKey: (k) => keys.add(k) });
        for (const key of keys) expect(catalogs[locale].has(key), `${locale} ${key}`).to.equal(true);
        for (const part of [mail.subject, mail.text, mail.html]) {
          expect(part, locale).to.not.match(/\{\w+\}|undefined|SENTINEL/);
          expect(part, locale).to.include("CP-4D2W-8XQE");
        }
        expect([...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).to.deep.equal([c.data.requestUrl]);
        if (c.name === "staff_complaint_escalated") expect(mail.text).to.include("Autoriteit Persoonsgegevens (AP)");
      }
    });
  }
});
