import { expect } from "chai";
import { eq } from "drizzle-orm";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject } from "../support/factories.js";
import { csrfFrom, signedInAgent, type Agent } from "../support/http.js";
import { buildApp } from "../../src/app.js";
import { requestMessages, requests } from "../../src/db/schema/index.js";
import { makeRequest } from "./helpers.js";
import { threadOf } from "../support/request-texts.js";

/** The textarea's content as a browser would send it (HTML entities decoded). */
function textareaValue(html: string, id: string): string {
  const m = new RegExp(`<textarea[^>]*id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  if (!m) throw new Error(`no textarea ${id}`);
  return m[1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

describe("refusals follow their ground (Art. 12(4))", () => {
  let ctx: TestContext;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  let subject: Awaited<ReturnType<typeof makeSubject>>;
  let app: ReturnType<typeof buildApp>;
  let dpo: Awaited<ReturnType<typeof makeStaff>>;

  beforeEach(async () => {
    ctx = await freshContext();
    ctx.clock.set("2026-03-02T09:00:00Z");
    org = await makeOrg(ctx);
    subject = await makeSubject(ctx, org.id, { locale: "en" });
    dpo = await makeStaff(ctx, org.id, "dpo");
    app = buildApp(ctx);
  });
  const agentFor = (staffId: string) => signedInAgent(ctx, app, { orgId: org.id, kind: "staff", staffId, host: `${org.slug}.test` });
  async function post(agent: Agent, path: string, form: Record<string, string>) {
    const token = await csrfFrom(agent, "/staff");
    return agent.post(path).type("form").send({ ...form, _csrf: token });
  }

  it("sending the form as shown with Art. 12(5) chosen never tells the requester their identity could not be verified", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await agentFor(dpo.id);
    const page = await agent.get(`/staff/requests/${r.id}`);
    const message = textareaValue(page.text, "field-reject-message");
    expect((await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "manifestly_unfounded_or_excessive", reason: "The sixth identical request this month.", message, confirm: "yes" })).status).to.equal(303);
    const [msg] = await threadOf(ctx, r.id);
    expect(msg!.body).to.include("Art. 12(5)").and.not.include("Art. 11(2)");
  });

  it("the reason field says it is shown to the requester", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const page = await (await agentFor(dpo.id)).get(`/staff/requests/${r.id}`);
    const hint = /id="field-reject-reason-hint">([^<]*)</.exec(page.text)![1]!;
    expect(hint).to.include("shown to the requester");
  });

  it("previews the refusal exactly as it is then sent, for each ground, in the requester's language", async () => {
    const agent = await agentFor(dpo.id);
    const grounds: Record<string, string> = {
      identity_not_established: "11 artiklan 2 kohta", manifestly_unfounded_or_excessive: "12 artiklan 5 kohta", art17_3_exception: "17 artiklan 3 kohdan",
      rights_of_others: "15 artiklan 4 kohta", national_restriction: "Lastensuojelulaki 417/2007", no_data_held: "meillä ei ole sinusta tietoja",
    };
    for (const [ground, expected] of Object.entries(grounds)) {
      const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review", locale: "fi" });
      const form = { legalGround: ground, reason: "Perustelu, joka koskee juuri tätä pyyntöä.", message: "", law: "Lastensuojelulaki 417/2007, 25 §" };
      // Sent without confirm=yes, a refusal is only shown: exactly as it will be read, with the warning that it cannot be undone.
      const preview = await post(agent, `/staff/requests/${r.id}/reject`, form);
      expect(preview.status, ground).to.equal(200);
      expect(preview.text, ground).to.include('class="warning-text"').and.include('name="confirm" value="yes"');
      expect((await ctx.db.select().from(requests).where(eq(requests.id, r.id)))[0]!.status, ground).to.equal("in_review");
      expect(preview.text, ground).to.include(expected).and.include("Tietosuojavaltuutetun toimisto").and.include("käräjäoikeus").and.include("Perustelu, joka koskee");
      const shown = /<pre class="notice-preview"[^>]*>([\s\S]*?)<\/pre>/.exec(preview.text)![1]!;
      expect((await post(agent, `/staff/requests/${r.id}/reject`, { ...form, confirm: "yes" })).status, ground).to.equal(303);
      const [msg] = await threadOf(ctx, r.id);
      const escaped = msg!.body.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");
      expect(shown, ground).to.equal(escaped);
      const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
      expect(row!.legalGround).to.equal(ground);
    }
  });

  it("a national restriction needs the law named; nothing is stored without it", async () => {
    const r = await makeRequest(ctx, org, { subjectId: subject.id, status: "in_review" });
    const agent = await agentFor(dpo.id);
    const res = await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "national_restriction", reason: "A national law applies here.", law: " " });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('href="#field-reject-law"');
    const [row] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(row!.status).to.equal("in_review");
    expect(await ctx.db.select().from(requestMessages)).to.have.length(0);
    const ok = await post(agent, `/staff/requests/${r.id}/reject`, { legalGround: "national_restriction", reason: "A national law applies here.", law: "Child Welfare Act 417/2007", confirm: "yes" });
    expect(ok.status).to.equal(303);
    const [after] = await ctx.db.select().from(requests).where(eq(requests.id, r.id));
    expect(after!.legalGroundLaw).to.equal("Child Welfare Act 417/2007");
  });
});
