/**
 * Journey (a): a requester signs in with a code from their e-mail, asks for a police transcript
 * of one chat, a DPO signs in with TOTP and approves, and the requester downloads the PDF. Then
 * the same requester asks for a copy of everything and unzips the package. Each step switches to
 * the next language, so the journey passes through all five.
 */
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { organizations } from "../../src/db/schema/index.js";
import { translator } from "../../src/platform/i18n.js";
import { escapeHtml } from "../../src/platform/text.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, onPhone, openBrowser, type Browser } from "./support/browser.js";
import { download, requesterAsks, requesterSignsInByEmail, staffApproves, staffOpensRequest, staffReviewsAndReleases, staffSignsIn, waitForDownloadLink } from "./support/people.js";
import { openPackage, pdfText } from "./support/packages.js";

const THIRD_PARTY = "My classmate Aino Virtanen called me from 040 765 4321, she lives in the blue house by the lake";
const HAND_ADDED = "the blue house by the lake";

describe("journey: police transcript and a copy of everything (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let requester: Browser;
  let staff: Browser;
  const journey = new Journey("a-police-transcript");

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    requester = await openBrowser();
    staff = await openBrowser();
  });
  after(async () => {
    await requester?.close();
    await staff?.close();
    await portal?.stop();
  });

  it("walks from the e-mail code to a downloaded police PDF, then a copy of everything as a ZIP", async () => {
    const person = await world.newRequester("police", { thirdParty: THIRD_PARTY });
    await requesterSignsInByEmail(portal, requester, journey, person);

    // The request is sent in whatever language this step is shown in: the PDF is written in it.
    const { reference, locale: requestLocale } = await requesterAsks(requester, journey, { type: "police_transcript", chats: { topic: person.topics[0]! }, note: "For the police, please." });

    await staffSignsIn(portal, staff, journey, world.dpo);
    await staffOpensRequest(staff, journey, reference);
    await staffApproves(staff, journey);
    // Art. 15(4): the DPO reviews the package before it is released — two suggestions accepted, one span added.
    await staffReviewsAndReleases(staff, journey, { accept: ["Aino Virtanen", "040 765 4321"], add: { text: HAND_ADDED, inMessage: THIRD_PARTY } });

    await waitForDownloadLink(requester, reference, portal);
    await journey.step(requester, "request-ready");
    expect(await onPhone(requester, journey, "request-ready-phone"), "the request page scrolls sideways at 360 px").to.be.at.most(0);
    const pdf = await download(requester);
    expect(pdf.name).to.match(/\.pdf$/);
    expect(pdf.bytes.subarray(0, 5).toString("latin1")).to.equal("%PDF-");
    const text = (await pdfText(pdf.bytes)).replace(/\s+/g, " ");
    expect(text).to.include(reference);
    expect(text).to.include(person.lines[0]);
    expect(text, "only the chosen chat").not.to.include(person.lines[1]);
    expect(text).to.include(translator(requestLocale)("exports.pdf.police.title").replace(/\s+/g, " "));
    const tp = translator(requestLocale);
    for (const secret of ["Aino", "040 765 4321", HAND_ADDED]) expect(text, "withheld text").not.to.include(secret);
    expect(text).to.include(tp("exports.redaction.marker", { reason: tp("exports.redaction.reason.third_party_rights") }));
    // The Art. 12(4) notice: the supervisory authority and the court, by name.
    expect(text).to.include("Tietosuojavaltuutetun toimisto");
    expect(text).to.include(tp("exports.notice.courts.FI").replace(/\s+/g, " "));

    // A copy of everything, as a ZIP with a signed manifest.
    await requester.page.goto(`${portal.baseUrl}/requests`);
    await journey.step(requester, "my-requests-again");
    const { reference: accessRef, locale: accessLocale } = await requesterAsks(requester, journey, { type: "access", chats: "all", note: "Everything, please." });
    await staff.page.goto(`${portal.staffUrl}/staff`);
    await journey.step(staff, "staff-queue-again");
    await staffOpensRequest(staff, journey, accessRef);
    await staffApproves(staff, journey);
    await staffReviewsAndReleases(staff, journey, { accept: ["Aino Virtanen", "040 765 4321"], add: { text: HAND_ADDED, inMessage: THIRD_PARTY } });
    await waitForDownloadLink(requester, accessRef, portal);
    await journey.step(requester, "access-ready");
    const zip = await download(requester);
    expect(zip.name).to.match(/\.zip$/);
    const [org] = await portal.ctx.db.select().from(organizations).where(eq(organizations.name, world.orgName));
    const pkg = await openPackage(zip.bytes, org!.signingPublicKey);
    expect(pkg.signatureOk, "manifest signature").to.equal(true);
    expect(pkg.mismatches, "files whose hash or size differ from the manifest").to.deep.equal([]);
    expect(pkg.unlisted, "files the manifest does not list").to.deep.equal([]);
    expect((pkg.manifest.request as { reference: string }).reference).to.equal(accessRef);
    const everything = [...pkg.files.values()].map((b) => b.toString("utf8")).join("\n");
    for (const line of person.lines) expect(everything).to.include(line);
    for (const secret of ["Aino", "040 765 4321", HAND_ADDED]) expect(everything, "withheld text").not.to.include(secret);
    const ta = translator(accessLocale);
    const html = [...pkg.files.entries()].filter(([n]) => n.startsWith("conversations/") && n.endsWith(".html")).map(([, b]) => b.toString("utf8")).join("\n");
    expect(html).to.include(escapeHtml(ta("exports.redaction.marker", { reason: ta("exports.redaction.reason.third_party_rights") })));
    // The README counts what was withheld, with its reason, and carries the notice.
    const readme = pkg.files.get("README.html")!.toString("utf8");
    expect(readme).to.include(escapeHtml(ta("exports.withheld.redacted_passages", { count: 3, reason: ta("exports.redaction.reason.third_party_rights") })));
    expect(readme).to.include("Tietosuojavaltuutetun toimisto");
    expect(readme).to.include(escapeHtml(ta("exports.notice.courts.FI")));
    journey.assertAllLocalesSeen();
  });
});
