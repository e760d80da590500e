import { expect } from "chai";
import request from "supertest";
import { eq } from "drizzle-orm";
import type { TestContext } from "../support/context.js";
import { makeStaff, makeSubject } from "../support/factories.js";
import { authorities, authorityFor } from "../../src/requests/authorities.js";
import { requestMessages } from "../../src/db/schema/index.js";
import { rejectRequest } from "../../src/staff/reject-request.js";
import { buildApp, countryOrg, freshComplaintsContext, html, insertRequest, requesterAgent, staffActor } from "./helpers.js";
import { threadOf } from "../support/request-texts.js";

/** The part of a page between two markers, to check what a section (not the whole page) shows. */
function section(page: string, from: string, to: string): string {
  const start = page.indexOf(from);
  expect(start, `marker ${from}`).to.be.greaterThan(-1);
  const end = page.indexOf(to, start);
  return page.slice(start, end === -1 ? undefined : end);
}

function expectAuthority(text: string, country: string): void {
  const a = authorityFor(country);
  expect(text, `${country} local name`).to.include(html(a.nameLocal));
  expect(text, `${country} English name`).to.include(html(a.nameEnglish));
  expect(text, `${country} complaint page`).to.include(`href="${html(a.complaintUrl)}"`);
  for (const line of a.postalAddress) expect(text, `${country} address`).to.include(html(line));
  for (const other of ["FI", "SE", "NL", "EE"].filter((c) => c !== country)) {
    expect(text, `${country} page names ${other}`).to.not.include(html(authorityFor(other).nameLocal));
  }
}

describe("complaints: the lead authority on the public page, on refusals and on overdue requests", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshComplaintsContext();
  });

  for (const country of ["FI", "SE", "NL", "EE"]) {
    it(`${country}: "How to complain" (no sign-in) names the organization's authority, then lists them all`, async () => {
      const org = await countryOrg(ctx, country, { dpoEmail: `dpo@${country.toLowerCase()}.example.test` });
      const res = await request(buildApp(ctx)).get("/how-to-complain").set("Host", `${org.slug}.test`).expect(200);
      expectAuthority(section(res.text, 'id="lead-authority"', 'id="directory"'), country);
      expect(res.text).to.include(`href="mailto:dpo@${country.toLowerCase()}.example.test"`);
      const directory = section(res.text, 'id="directory"', 'class="site-footer"');
      for (const a of authorities) expect(directory, a.country).to.include(`id="authority-${a.country}"`).and.include(`href="${html(a.complaintUrl)}"`);
      // Linked from every page's footer.
      const home = await request(buildApp(ctx)).get("/").set("Host", `${org.slug}.test`).expect(200);
      expect(home.text).to.match(/<footer[\s\S]*href="\/how-to-complain"[\s\S]*<\/footer>/);
    });

    it(`${country}: a refusal names the authority, in the decision message and on the requester's page`, async () => {
      const org = await countryOrg(ctx, country);
      const subject = await makeSubject(ctx, org.id);
      const dpo = await makeStaff(ctx, org.id, "dpo");
      const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
      await rejectRequest(ctx, staffActor(dpo), { org, requestId: r.id, legalGround: "manifestly_unfounded_or_excessive", reason: "Fifth identical request this month.", message: "" });

      // staff/decision-notice.ts refusalNotice already names it (local name and complaint page).
      const [decision] = await threadOf(ctx, r.id);
      expect(decision!.body).to.include(authorityFor(country).nameLocal).and.include(authorityFor(country).complaintUrl);

      const agent = await requesterAgent(ctx, buildApp(ctx), org, subject);
      const page = await agent.get(`/requests/${r.reference}`).expect(200);
      const panel = section(page.text, 'id="complaint-paths"', "</div>");
      expect(panel).to.include("We said no to your request");
      expect(panel).to.include(html(authorityFor(country).nameLocal)).and.include(`href="${authorityFor(country).complaintUrl}"`);
      // The complaint page shows the whole authority card.
      const complaintPage = await agent.get(`/requests/${r.reference}/complaint`).expect(200);
      expectAuthority(section(complaintPage.text, 'id="authority"', 'id="dossier"'), country);
    });

    it(`${country}: an overdue request names the authority on the requester's page`, async () => {
      const org = await countryOrg(ctx, country);
      const subject = await makeSubject(ctx, org.id);
      const r = await insertRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
      ctx.clock.set("2026-04-15T09:00:00Z");
      const agent = await requesterAgent(ctx, buildApp(ctx), org, subject);
      const page = await agent.get(`/requests/${r.reference}`).expect(200);
      const panel = section(page.text, 'id="complaint-paths"', "</div>");
      expect(panel).to.include("We are late with your request");
      expect(panel).to.include(html(authorityFor(country).nameLocal)).and.include(`href="${authorityFor(country).complaintUrl}"`);
    });
  }

  it("shows the page in the reader's language, with country names in that language", async () => {
    const org = await countryOrg(ctx, "EE");
    const res = await request(buildApp(ctx)).get("/how-to-complain?lang=et").set("Host", `${org.slug}.test`).expect(200);
    expect(res.text).to.include("Kuidas kaevata");
    expect(res.text).to.include("Andmekaitse Inspektsioon (AKI)");
    expect(section(res.text, 'id="authority-FI"', "</details>")).to.include("Soome");
  });

  it("lists every country folded (no table to scroll sideways), and a country choice shows one", async () => {
    const org = await countryOrg(ctx, "FI");
    const all = await request(buildApp(ctx)).get("/how-to-complain?lang=en").set("Host", `${org.slug}.test`).expect(200);
    expect(all.text).to.not.include("<table");
    expect(all.text.match(/<details class="details" id="authority-/g)).to.have.length(authorities.length);
    expect(all.text).to.not.include('id="chosen"');
    const one = await request(buildApp(ctx)).get("/how-to-complain?lang=en&country=cz").set("Host", `${org.slug}.test`).expect(200);
    const chosen = section(one.text, 'id="chosen"', "</section>");
    expect(chosen).to.include('<span lang="cs">Úřad pro ochranu osobních údajů</span>').and.include(html(authorityFor("CZ").complaintUrl));
    expect(chosen).to.not.include(html(authorityFor("FI").nameLocal));
    expect(one.text).to.match(/<option value="CZ" selected>/);
  });

  it("marks each authority's name with its language, never its country code", async () => {
    const org = await countryOrg(ctx, "FI");
    const res = await request(buildApp(ctx)).get("/how-to-complain?lang=en").set("Host", `${org.slug}.test`).expect(200);
    const langs = new Set([...res.text.matchAll(/ lang="([^"]+)"/g)].map((m) => m[1]!));
    for (const bad of ["cz", "at", "gr", "dk", "se", "ee", "si", "ie", "cy", "li", "lu", "mt", "be", "no"]) expect([...langs], bad).to.not.include(bad);
    for (const good of ["cs", "de-AT", "el", "da", "sv", "et", "sl", "ga", "fr-BE", "nl-BE"]) expect([...langs], good).to.include(good);
    expect(section(res.text, 'id="authority-BE"', "</details>")).to.include('<span lang="fr-BE">Autorité de protection des données</span> / <span lang="nl-BE">Gegevensbeschermingsautoriteit</span>');
  });
});
