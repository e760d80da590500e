import { expect } from "chai";
import { freshContext, type TestContext } from "../support/context.js";
import { makeConversation, makeOrg, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { attr, elements, parseHtml } from "../support/crawl.js";
import { buildApp } from "../../src/app.js";
import { requests } from "../../src/db/schema/index.js";
import { correctionSchema, messageSchema, noteSchema } from "../../src/requests/schema.js";
import { fieldLimits } from "../../src/platform/http/validate.js";

/** Issue #20 item 7: limits with a character count, the correction step, Change links, the language switch. */
describe("requester forms that never dead-end", () => {
  let ctx: TestContext;
  let agent: Agent;
  let convId: string;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-01-31T10:00:00Z");
    const org = await makeOrg(ctx);
    const subject = await makeSubject(ctx, org.id);
    convId = (await makeConversation(ctx, org.id, { subjectId: subject.id, topic: "Bullying" })).id;
    agent = await signedInAgent(ctx, buildApp(ctx), { orgId: org.id, subjectId: subject.id, email: subject.email, assurance: "account", host: `${org.slug}.test` });
  });

  async function post(path: string, form: Record<string, string | string[]>, page = path) {
    const token = await csrfFrom(agent, page);
    return agent.post(path).type("form").send({ ...form, _csrf: token });
  }

  const doc = (html: string) => elements(parseHtml(html));
  const byId = (html: string, id: string) => doc(html).find((el) => attr(el, "id") === id);
  const text = (el: ReturnType<typeof byId>): string => (el ? elements(el).flatMap((n) => n.childNodes).map((n) => ("value" in n ? String(n.value) : "")).join("").trim() : "");

  async function startRectification(scope: "profile" | "chosen_conversations") {
    await agent.get("/requests/new").expect(303);
    await post("/requests/new/type", { type: "rectification" });
    const res = await post("/requests/new/scope", { scope });
    if (scope === "chosen_conversations") {
      expect(res.headers.location).to.equal("/requests/new/conversations");
      return post("/requests/new/conversations", { conversationIds: [convId] });
    }
    return res;
  }

  /** Sends an objection through the form steps; its reference. */
  async function sendObjection(): Promise<string> {
    await agent.get("/requests/new").expect(303);
    await post("/requests/new/type", { type: "objection" });
    await post("/requests/new/scope", { scope: "all_conversations" });
    await post("/requests/new/details", {});
    const sent = await post("/requests/new/check", {});
    return /RD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(sent.headers.location as string)![0];
  }

  describe("limits and character counts", () => {
    it("reads every limit from the schemas (no number written twice)", () => {
      expect(fieldLimits(correctionSchema)).to.deep.equal({ value: 200, statement: 5000 });
      expect(fieldLimits(noteSchema)).to.deep.equal({ note: 2000 });
      expect(fieldLimits(messageSchema)).to.deep.equal({ body: 5000 });
    });

    it("shows a count under each limited field, without a maxlength attribute", async () => {
      await agent.get("/requests/new").expect(303);
      await post("/requests/new/type", { type: "objection" });
      await post("/requests/new/scope", { scope: "all_conversations" });
      const page = await agent.get("/requests/new/details").expect(200);
      const group = doc(page.text).find((el) => attr(el, "data-module") === "character-count")!;
      expect(attr(group, "data-maxlength")).to.equal("2000");
      expect(text(byId(page.text, "field-note-info"))).to.equal("You have 2,000 characters remaining");
      expect(attr(byId(page.text, "field-note")!, "aria-describedby")).to.include("field-note-info");
      expect(page.text).not.to.match(/\smaxlength=/i);
      const templates = JSON.parse(attr(group, "data-templates")!) as Record<string, Record<string, string>>;
      expect(templates.remaining).to.deep.equal({ one: "You have {n} character remaining", other: "You have {n} characters remaining" });
      expect(templates.tooMany).to.deep.equal({ one: "You have {n} character too many", other: "You have {n} characters too many" });
    });

    it("says the limit and what to do, in every language, and keeps nothing of a text over it", async () => {
      await agent.get("/requests/new").expect(303);
      await post("/requests/new/type", { type: "objection" });
      await post("/requests/new/scope", { scope: "all_conversations" });
      await post("/requests/new/details", { note: "short" });
      const expected = {
        en: ["Enter 2,000 characters or fewer", "You have 1 character too many"],
        fi: ["Kirjoita enintään 2\u00a0000 merkkiä", "Sinulla on 1 merkki liikaa"],
        sv: ["Skriv högst 2\u00a0000 tecken", "Du har 1 tecken för mycket"],
        nl: ["Gebruik maximaal 2.000 tekens", "Je hebt 1 teken te veel"],
        et: ["Kirjuta kuni 2000 tähemärki", "Tekst on 1 tähemärgi võrra liiga pikk"],
      } as const;
      for (const [lang, [error, count]] of Object.entries(expected)) {
        // Line breaks count once, as the browser's count shows them: 1,999 characters and a CR LF are 2,001.
        const res = await post(`/requests/new/details?lang=${lang}`, { note: `${"x".repeat(1000)}\r\n${"y".repeat(1000)}` }, `/requests/new/details?lang=${lang}`);
        expect(res.status, lang).to.equal(422);
        expect(text(byId(res.text, "field-note-error")), lang).to.include(error);
        expect(text(byId(res.text, "field-note-info")), lang).to.equal(count);
        const summary = doc(res.text).find((el) => attr(el, "href") === "#field-note");
        expect(text(summary), lang).to.equal(error);
      }
      const draft = await agent.get("/requests/new/check");
      expect(draft.text).to.include("short").and.not.include("xxxxxxxxxx");
      expect(await ctx.db.select().from(requests)).to.have.length(0);
      // At the limit exactly (a CR LF counting once) it is taken.
      const ok = await post("/requests/new/details", { note: `${"x".repeat(1000)}\r\n${"y".repeat(999)}` });
      expect(ok.status).to.equal(303);
    });

    it("counts the message box on the request page and names its limit", async () => {
      const reference = await sendObjection();
      const res = await post(`/requests/${reference}/messages`, { body: "z".repeat(5003) }, `/requests/${reference}`);
      expect(res.status).to.equal(422);
      expect(text(byId(res.text, "field-body-error"))).to.include("Enter 5,000 characters or fewer");
      expect(text(byId(res.text, "field-body-info"))).to.equal("You have 3 characters too many");
    });
  });

  describe("the correction step", () => {
    it("asks what is wrong and what is right on its own step, and says there what is missing", async () => {
      const res = await startRectification("profile");
      expect(res.headers.location).to.equal("/requests/new/correction");
      let bad = await post("/requests/new/correction", { value: "" });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include('href="#field-field"').and.include('href="#field-value"');
      bad = await post("/requests/new/correction", { field: "email", value: "not an address" });
      expect(bad.status).to.equal(422);
      expect(text(byId(bad.text, "field-value-error"))).to.include("Enter an e-mail address like name@example.com");
      expect(attr(byId(bad.text, "field-value")!, "value")).to.equal("not an address");
      bad = await post("/requests/new/correction", { field: "displayName", value: "n".repeat(201) });
      expect(text(byId(bad.text, "field-value-error"))).to.include("Enter 200 characters or fewer");
      const ok = await post("/requests/new/correction", { field: "email", value: "right@example.com" });
      expect(ok.headers.location).to.equal("/requests/new/details");
      const check = await agent.get("/requests/new/check").expect(200);
      expect(check.text).to.include("right@example.com");
    });

    it("asks for the statement about a chat on the correction step", async () => {
      const res = await startRectification("chosen_conversations");
      expect(res.headers.location).to.equal("/requests/new/correction");
      const bad = await post("/requests/new/correction", { statement: "  " });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include('href="#field-statement"');
      const page = await agent.get("/requests/new/correction");
      expect(text(byId(page.text, "field-statement-info"))).to.equal("You have 5,000 characters remaining");
      await post("/requests/new/correction", { statement: "I never said that" });
      // The details step keeps the statement when answered.
      await post("/requests/new/details", { note: "Thanks" });
      const check = await agent.get("/requests/new/check");
      expect(check.text).to.include("I never said that").and.include("Thanks");
    });

    it("gives every row of Check your answers a Change link to a field that exists", async () => {
      for (const scope of ["profile", "chosen_conversations"] as const) {
        await startRectification(scope);
        await post("/requests/new/correction", scope === "profile" ? { field: "displayName", value: "Sam" } : { statement: "Wrong topic" });
        await post("/requests/new/details", { note: "", neededBy: "2026-02-10" });
        const check = await agent.get("/requests/new/check").expect(200);
        const rows = doc(check.text).filter((el) => el.tagName === "div" && el.parentNode && "tagName" in el.parentNode && el.parentNode.tagName === "dl");
        const links = rows.map((row) => elements(row).find((el) => el.tagName === "a"));
        expect(links.every(Boolean), `${scope}: a row without a Change link`).to.equal(true);
        expect(rows.length, scope).to.equal(scope === "profile" ? 6 : 6);
        for (const link of links) {
          const [path, fragment] = attr(link!, "href")!.split("#");
          expect(fragment, `${path} has no #field`).to.be.a("string").and.not.equal("");
          const target = await agent.get(path!).expect(200);
          const field = byId(target.text, fragment!);
          expect(field, `${path}#${fragment}`).not.to.equal(undefined);
          expect(["input", "textarea", "select"], `${path}#${fragment} is a ${field!.tagName}`).to.include(field!.tagName);
        }
      }
    });
  });

  describe("the language switch", () => {
    it("is a form back to this page, and brings the typed text back in the new language", async () => {
      await agent.get("/requests/new").expect(303);
      await post("/requests/new/type", { type: "objection" });
      await post("/requests/new/scope", { scope: "all_conversations" });
      await post("/requests/new/details", { note: "stored note" });
      const page = await agent.get("/requests/new/details").expect(200);
      const button = doc(page.text).find((el) => el.tagName === "button" && attr(el, "value") === "fi")!;
      expect(attr(button, "form")).to.equal("page-form");
      expect(attr(button, "formaction")).to.equal("/requests/new/details#top");
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      // The switch posts to the page's own address; the step's handler never sees it.
      const switched = await agent.post("/requests/new/details").type("form")
        .send({ _csrf: token, _lang: "fi", note: "typed, not yet sent", neededBy: "2026-02-12" }).expect(200);
      expect(switched.text).to.include('<html lang="fi">');
      expect(text(byId(switched.text, "field-note"))).to.equal("typed, not yet sent");
      expect(attr(byId(switched.text, "field-neededBy")!, "value")).to.equal("2026-02-12");
      // Nothing was saved by switching: the draft still holds what was sent.
      const again = await agent.get("/requests/new/details?lang=en");
      expect(text(byId(again.text, "field-note"))).to.equal("stored note");
    });

    it("keeps the text of a message that failed, on the page behind the POST address", async () => {
      const reference = await sendObjection();
      const failed = await post(`/requests/${reference}/messages`, { body: "q".repeat(5001) }, `/requests/${reference}`);
      const button = doc(failed.text).find((el) => el.tagName === "button" && attr(el, "value") === "sv")!;
      expect(attr(button, "formaction")).to.equal(`/requests/${reference}#top`);
      const token = /name="_csrf" value="([^"]+)"/.exec(failed.text)![1]!;
      const switched = await agent.post(attr(button, "formaction")!.replace("#top", "")).type("form").send({ _csrf: token, _lang: "sv", body: "q".repeat(5001) }).expect(200);
      expect(switched.text).to.include('<html lang="sv"');
      expect(text(byId(switched.text, "field-body"))).to.equal("q".repeat(5001));
      expect(text(byId(switched.text, "field-body-info"))).to.equal("Du har 1 tecken för mycket");
    });

    it("never carries a password or a code back, and never leaves the site", async () => {
      const visitor = (await import("supertest")).default.agent(buildApp(ctx));
      const host = (await ctx.db.query.organizations.findFirst())!.slug + ".test";
      const page = await visitor.get("/sign-in/password").set("Host", host).expect(200);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
      const switched = await visitor.post("/sign-in/password").set("Host", host).type("form")
        .send({ _csrf: token, _lang: "nl", email: "kid@example.com", password: "hunter2-secret", code: "123456" }).expect(200);
      expect(switched.text).to.include('<html lang="nl"').and.include("kid@example.com").and.not.include("hunter2-secret").and.not.include("123456");
      // Nothing was tried: no sign-in error, the page as a GET shows it.
      expect(switched.text).not.to.include("error-summary");
      for (const target of ["//evil.example/x", "/%5Cevil.example/x"]) {
        const res = await visitor.post(target).set("Host", host).type("form").send({ _csrf: token, _lang: "et" });
        expect(res.status, target).to.be.oneOf([200, 303]);
        if (res.status === 303) expect(res.headers.location, target).to.match(/^\/(?![/\\])/);
        else expect(res.text, target).to.include('<html lang="et"');
      }
    });

    it("answers a switch on a page shown at a POST-only address with the page above it, never a 404", async () => {
      const token = await csrfFrom(agent, "/requests");
      const res = await agent.post("/requests/RD-AAAA-AAAA/withdraw").type("form").send({ _csrf: token, _lang: "fi" });
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal("/requests/RD-AAAA-AAAA?lang=fi");
    });
  });
});
