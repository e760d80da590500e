/**
 * Journey (b): a requester asks to delete all their chats; one DPO approves, but the erasure
 * waits for a second DPO, who confirms it; it is carried out (the chats' keys are destroyed, the
 * account with them), and the requester gets the answer by e-mail. Languages rotate step by step.
 */
import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { conversations } from "../../src/db/schema/index.js";
import { conversationKey } from "../../src/chats/conversation-store.js";
import { translator } from "../../src/platform/i18n.js";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, type World } from "./support/fixtures.js";
import { Journey, openBrowser, type Browser } from "./support/browser.js";
import { requesterAsks, requesterSignsInByEmail, staffActs, staffOpensRequest, staffSignsIn } from "./support/people.js";
import { mailFiles, waitForMail } from "./support/mailbox.js";

describe("journey: erasure with four eyes (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let requester: Browser;
  let firstDpo: Browser;
  let secondDpo: Browser;
  const journey = new Journey("b-erasure-four-eyes");

  before(async () => {
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    [requester, firstDpo, secondDpo] = await Promise.all([openBrowser(), openBrowser(), openBrowser()]);
  });
  after(async () => {
    await Promise.all([requester?.close(), firstDpo?.close(), secondDpo?.close()]);
    await portal?.stop();
  });

  it("needs a second DPO before the chats are deleted, then deletes them", async () => {
    const person = await world.newRequester("erasure");
    await requesterSignsInByEmail(portal, requester, journey, person);
    const { reference, locale: requestLocale } = await requesterAsks(requester, journey, { type: "erasure", chats: "all", note: "Please delete everything." });

    // The first DPO reviews and approves: that alone deletes nothing.
    await staffSignsIn(portal, firstDpo, journey, world.dpo);
    await staffOpensRequest(firstDpo, journey, reference);
    await staffActs(firstDpo, journey, world.dpo, "/start-review", "staff-in-review");
    await staffActs(firstDpo, journey, world.dpo, "/approve", "staff-approved");
    expect(await firstDpo.page.locator('form[action$="/confirm-erasure"]').count(), "the approver cannot confirm").to.equal(0);
    const held = await portal.ctx.db.select().from(conversations).where(eq(conversations.topic, person.topics[0]!));
    expect(held[0]!.erasedAt, "nothing erased after one DPO").to.equal(null);

    // The second DPO confirms and carries it out.
    const seen = mailFiles(portal.dataDir);
    await staffSignsIn(portal, secondDpo, journey, world.dpo2);
    await secondDpo.page.goto(`${portal.staffUrl}${new URL(firstDpo.page.url()).pathname}`);
    await journey.step(secondDpo, "second-dpo-request");
    await staffActs(secondDpo, journey, world.dpo2, "/confirm-erasure", "second-dpo-confirmed");
    if (await secondDpo.page.locator('form[action$="/fulfil"]').count()) {
      await staffActs(secondDpo, journey, world.dpo2, "/fulfil", "erasure-carried-out");
    }

    // The account went with the chats: the requester is signed out, and the answer comes by mail,
    // in the language the request was sent in.
    const subject = translator(requestLocale)("mail.fulfilment_completed.subject", { reference });
    const answer = await waitForMail(portal.dataDir, person.email, seen, 30_000, (m) => m.subject === subject);
    expect(answer.text).to.include(reference);
    // Its link shows the outcome without a sign-in (issue 18): counts and grounds, no personal data.
    const outcomeLink = /https?:\/\/\S+\/erased\/\S+/.exec(answer.text)?.[0];
    expect(outcomeLink, "the outcome link in the final mail").to.be.a("string");
    const outcomeUrl = new URL(outcomeLink!);
    await requester.page.goto(`${portal.baseUrl}${outcomeUrl.pathname}${outcomeUrl.search}`);
    await journey.step(requester, "erasure-outcome-from-mail");
    expect(await requester.page.locator("main").innerText()).to.not.include(person.email);
    await requester.page.goto(`${portal.baseUrl}/requests/${reference}`);
    expect(new URL(requester.page.url()).pathname).to.equal("/sign-in");
    await journey.step(requester, "requester-signed-out");

    // Both chats are crypto-shredded: marked erased, and their keys are gone.
    for (const topic of person.topics) {
      const [conv] = await portal.ctx.db.select().from(conversations).where(and(eq(conversations.topic, topic)));
      expect(conv!.erasedAt, `${topic} erased`).to.not.equal(null);
      expect(await conversationKey(portal.ctx.db, portal.ctx.keys, conv!), `${topic} key destroyed`).to.equal(undefined);
    }
    journey.assertAllLocalesSeen();
  });
});
