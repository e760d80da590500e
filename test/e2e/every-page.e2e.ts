/**
 * Every requester and staff page at a 360 px phone and at 200 % zoom (WCAG 1.4.10 reflow): no
 * sideways scrolling (document.documentElement.scrollWidth may not exceed the viewport) and no
 * serious or critical axe violation. 200 % zoom is emulated as the browser does it: a 1280 px
 * window at 200 % lays pages out in 640 CSS px, so the viewport is 640 × 400 CSS px
 * (deviceScaleFactor 1); the phone is 360 × 740.
 *
 * The pages come from the mounted routers (support/get-routes.ts), not from a hand-kept list:
 * the test fails when a GET route has no entry in `reach` below, saying how to reach it (who,
 * with which parameters from the fixture organization) or why it is no page (a file, JSON).
 * Screenshots: test-results/screenshots/every-page/<viewport>/<page>.png.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { and, asc, eq } from "drizzle-orm";
import { generateSecret } from "otplib";
import { startPortal, type Portal } from "./support/server.js";
import { createWorld, STAFF_PASSWORD, totpCode, type World } from "./support/fixtures.js";
import { allLocales, assertAccessible, Journey, openBrowser, screenshotsDir, submitForm, type Browser } from "./support/browser.js";
import { requesterAsks, requesterSignsInByEmail, staffSignsIn } from "./support/people.js";
import { mountedGetPaths } from "./support/get-routes.js";
import { auditLog, conversations, organizations, recipients, requests, staffUsers } from "../../src/db/schema/index.js";
import { hashPassword } from "../../src/identity/passwords.js";
import { organizationOf } from "../../src/fulfilment/db-util.js";
import { startReview } from "../../src/staff/start-review.js";
import { approveRequest } from "../../src/staff/approve-request.js";
import { rejectRequest } from "../../src/staff/reject-request.js";
import { fileComplaint } from "../../src/complaints/file-complaint.js";
import { settingsSections } from "../../src/settings/schema.js";
import type { StaffActor } from "../../src/platform/policy.js";

/** Who looks at a page: each has their own browser (and cookies). */
type Who = "visitor" | "codePending" | "requester" | "staffVisitor" | "staffPending" | "staffEnrolling" | "dpo" | "admin";
const staffSide: ReadonlySet<Who> = new Set(["staffVisitor", "staffPending", "staffEnrolling", "dpo", "admin"]);

/** What the fixture organization holds, to fill route parameters in. */
interface Data {
  reference: string;
  refusedReference: string;
  requestId: string;
  conversationId: string;
  recipientId: string;
  complaintId: string;
  auditSeq: number;
}

interface Reach {
  who: Who;
  paths(d: Data): string[];
  /** Where the page may land instead of its own path (a link that moves a token into a cookie). */
  lands?: RegExp;
}
type Entry = Reach | { notAPage: string };

const at = (who: Who, p: string | ((d: Data) => string), lands?: RegExp): Reach => ({ who, paths: (d) => [typeof p === "string" ? p : p(d)], lands });

/** How to reach every GET route the portal mounts. A new route without an entry fails the test. */
const reach: Record<string, Entry> = {
  "/healthz": { notAPage: "JSON for the load balancer" },
  "/readyz": { notAPage: "JSON for the load balancer" },
  "/dev/mail": at("visitor", "/dev/mail"),
  "/dev/mail/:file": { notAPage: "a raw .eml file" },
  "/": at("visitor", "/"),
  "/sign-in": at("visitor", "/sign-in"),
  "/sign-in/password": at("visitor", "/sign-in/password"),
  "/sign-in/email": at("visitor", "/sign-in/email"),
  "/sign-in/email/code": at("codePending", "/sign-in/email/code"),
  "/sign-in/receipt": at("visitor", "/sign-in/receipt"),
  "/password-reset": at("visitor", "/password-reset"),
  "/password-reset/sent": at("visitor", "/password-reset/sent"),
  // Without a link from the mail it says the link is not valid (the page a stale link shows).
  "/password-reset/new": at("visitor", "/password-reset/new"),
  "/password-reset/:token": at("visitor", "/password-reset/not-a-real-token-but-long-enough-000", /\/password-reset\/(new|not-a-real.*)$/),
  "/signed-out": at("visitor", "/signed-out"),
  // eID is not configured for the fixture organization: the page says it is unavailable.
  "/sign-in/eid": at("visitor", "/sign-in/eid", /\/sign-in(\/eid)?$/),
  "/sign-in/eid/callback": { notAPage: "the OpenID provider's redirect back (eid-erasure.e2e.ts walks it)" },
  "/api/v1/openapi.json": { notAPage: "JSON API description" },
  "/api/v1/conversations/:externalId": { notAPage: "JSON API" },
  "/requests": at("requester", "/requests"),
  "/requests/new/type": at("requester", "/requests/new/type"),
  "/requests/new/scope": at("requester", "/requests/new/scope"),
  "/requests/new/conversations": at("requester", "/requests/new/conversations"),
  // The guided form below holds an access request: the correction step (rectification only) sends
  // it back to the first question; forms.e2e.ts walks the correction step at 360 px with axe.
  "/requests/new/correction": at("requester", "/requests/new/correction", /\/requests\/new\/(correction|type)$/),
  "/requests/new/details": at("requester", "/requests/new/details"),
  "/requests/new/check": at("requester", "/requests/new/check"),
  // After the guided form's pages: starting anew drops the answers given so far.
  "/requests/new": at("requester", "/requests/new", /\/requests\/new(\/type)?$/),
  "/requests/:reference/confirmation": at("requester", (d) => `/requests/${d.reference}/confirmation`),
  "/requests/:reference": { who: "requester", paths: (d) => [`/requests/${d.reference}`, `/requests/${d.refusedReference}`] },
  "/requests/:reference/download/:exportId": { notAPage: "a file download" },
  "/requests/:reference/complaint": at("requester", (d) => `/requests/${d.refusedReference}/complaint`),
  "/requests/:reference/dossier/:exportId": { notAPage: "a file download" },
  "/my-data/who-has-seen": at("requester", "/my-data/who-has-seen"),
  "/verify": { who: "visitor", paths: () => ["/verify", "/verify?code=NOT-A-CODE"] },
  "/how-to-complain": { who: "visitor", paths: () => ["/how-to-complain", "/how-to-complain?country=CZ"] },
  // Without a valid signature the outcome page is the generic one (what a guessed reference shows).
  "/erased/:reference": { who: "visitor", paths: () => ["/erased/RD-AAAA-BBBB"] },
  "/staff/sign-in": at("staffVisitor", "/staff/sign-in"),
  "/staff/totp": at("staffPending", "/staff/totp"),
  "/staff/totp/setup": at("staffEnrolling", "/staff/totp/setup"),
  "/staff/totp/recovery-codes": { notAPage: "shown once right after enrolment; staff-two-factor.e2e.ts photographs it" },
  "/staff/invite/:token": at("staffVisitor", "/staff/invite/not-a-real-invitation-token-000000", /\/staff\/invite$/),
  "/staff/invite": at("staffVisitor", "/staff/invite"),
  "/staff/reauth": at("dpo", "/staff/reauth"),
  "/staff/reauth/resume": at("dpo", "/staff/reauth/resume", /\/staff(\/reauth(\/resume)?)?$/),
  "/staff": at("dpo", "/staff"),
  "/staff/dashboard": at("dpo", "/staff/dashboard"),
  "/staff/requests.csv": { notAPage: "CSV download" },
  "/staff/requests/:id": at("dpo", (d) => `/staff/requests/${d.requestId}`),
  "/staff/conversations/:conversationId/transcript": at("dpo", (d) => `/staff/conversations/${d.conversationId}/transcript?request=${d.requestId}`),
  "/staff/admin/staff": at("admin", "/staff/admin/staff"),
  "/staff/account": at("dpo", "/staff/account"),
  "/staff/recipients": at("admin", "/staff/recipients"),
  "/staff/recipients/:recipientId/edit": at("admin", (d) => `/staff/recipients/${d.recipientId}/edit`),
  "/staff/requests/:id/review": at("dpo", (d) => `/staff/requests/${d.requestId}/review`),
  "/staff/requests/:id/review/release": at("dpo", (d) => `/staff/requests/${d.requestId}/review/release`, /\/staff\/requests\/[^/]+\/review(\/release)?$/),
  "/staff/research": at("dpo", "/staff/research"),
  "/staff/complaints": at("dpo", "/staff/complaints"),
  "/staff/complaints/:id": at("dpo", (d) => `/staff/complaints/${d.complaintId}`),
  "/staff/retention": at("admin", "/staff/retention"),
  "/staff/admin": at("admin", "/staff/admin"),
  "/staff/admin/settings": at("admin", "/staff/admin/settings"),
  "/staff/admin/settings/eid": at("admin", "/staff/admin/settings/eid"),
  "/staff/admin/settings/:section": { who: "admin", paths: () => settingsSections.map((s) => `/staff/admin/settings/${s}`) },
  "/staff/audit": at("admin", "/staff/audit"),
  "/staff/audit/export.ndjson": { notAPage: "NDJSON download" },
  "/staff/audit/entries/:seq": at("admin", (d) => `/staff/audit/entries/${d.auditSeq}`),
};

const viewports = [
  { name: "phone-360", width: 360, height: 740 },
  { name: "zoom-200", width: 640, height: 400 },
] as const;

describe("every requester and staff page at 360 px and at 200 % zoom (Chromium)", function () {
  let portal: Portal;
  let world: World;
  let data: Data;
  const browsers = new Map<Who, Browser>();

  async function staffLogin(role: "admin" | "reviewer", email: string, enrolled: boolean, orgId: string) {
    const totpSecret = generateSecret();
    await portal.ctx.db.insert(staffUsers).values({
      orgId, role, email, name: `${role} E2E`, passwordHash: await hashPassword(STAFF_PASSWORD),
      ...(enrolled ? { totpSecretEnc: portal.ctx.keys.sealWithMaster(totpSecret, "totp"), totpEnrolledAt: new Date() } : {}),
    });
    return { email, password: STAFF_PASSWORD, totpSecret, name: `${role} E2E` };
  }

  async function passwordOnly(browser: Browser, email: string): Promise<void> {
    await browser.page.goto(`${portal.staffUrl}/staff/sign-in`);
    await browser.page.locator("#field-email").fill(email);
    await browser.page.locator("#field-password").fill(STAFF_PASSWORD);
    await submitForm(browser.page, "/staff/sign-in");
  }

  before(async function () {
    this.timeout(600_000);
    portal = await startPortal();
    world = await createWorld(portal.ctx);
    const { db } = portal.ctx;
    const [orgRow] = await db.select().from(organizations).where(eq(organizations.slug, "e2e"));
    const org = await organizationOf(db, orgRow!.id);
    const admin = await staffLogin("admin", "admin@e2e.rightsdesk.test", true, org.id);
    await staffLogin("reviewer", "new-reviewer@e2e.rightsdesk.test", false, org.id);
    const [recipient] = await db.insert(recipients).values({ orgId: org.id, name: "Chat Platform Oy", description: "Holds the live chat history" }).returning();

    const setup = new Journey("every-page-setup");
    const requesterBrowser = await openBrowser();
    browsers.set("requester", requesterBrowser);
    const who = await world.newRequester("every-page");
    await requesterSignsInByEmail(portal, requesterBrowser, setup, who);
    const asked = await requesterAsks(requesterBrowser, setup, { type: "access", chats: "all", note: "For my own records." });
    await requesterBrowser.page.goto(`${portal.baseUrl}/requests`);
    const refused = await requesterAsks(requesterBrowser, setup, { type: "erasure", chats: { topic: who.topics[0]! }, note: "Please delete it." });

    const [dpoRow] = await db.select().from(staffUsers).where(eq(staffUsers.email, world.dpo.email));
    const dpo: StaffActor = { type: "staff", id: dpoRow!.id, orgId: org.id, role: dpoRow!.role, name: dpoRow!.name, email: dpoRow!.email };
    const byRef = async (reference: string) => (await db.select().from(requests).where(and(eq(requests.orgId, org.id), eq(requests.reference, reference))))[0]!;
    const first = await byRef(asked.reference);
    const second = await byRef(refused.reference);
    await startReview(portal.ctx, dpo, { org, requestId: first.id });
    await approveRequest(portal.ctx, dpo, { org, requestId: first.id, message: "" });
    await startReview(portal.ctx, dpo, { org, requestId: second.id });
    await rejectRequest(portal.ctx, dpo, { org, requestId: second.id, legalGround: "manifestly_unfounded_or_excessive", reason: "Asked for the same chat yesterday.", message: "" });
    const requester = { subjectId: second.subjectId, conversationId: null, email: who.email, assurance: "email" as const };
    const complaint = await fileComplaint(portal.ctx, requester as never, { org, reference: refused.reference, grounds: "rejected", body: "I asked only once." });

    // The guided form filled in up to "Check your answers", so each of its pages can be shown again.
    const { page } = requesterBrowser;
    await page.goto(`${portal.baseUrl}/requests/new/type`);
    await page.locator('input[name="type"][value="access"]').check();
    await submitForm(page, "/requests/new/type");
    await page.locator('input[name="scope"][value="chosen_conversations"]').check();
    await submitForm(page, "/requests/new/scope");
    await page.getByLabel(who.topics[0]!).check();
    await submitForm(page, "/requests/new/conversations");
    await page.locator("#field-note").fill("A second look.");
    await submitForm(page, "/requests/new/details");

    const dpoBrowser = await openBrowser();
    browsers.set("dpo", dpoBrowser);
    await staffSignsIn(portal, dpoBrowser, setup, world.dpo);
    const adminBrowser = await openBrowser();
    browsers.set("admin", adminBrowser);
    await staffSignsIn(portal, adminBrowser, setup, admin).catch(async () => {
      // An admin's home is the admin page, not the queue.
      expect(new URL(adminBrowser.page.url()).pathname).to.match(/^\/staff/);
    });
    browsers.set("visitor", await openBrowser());
    browsers.set("staffVisitor", await openBrowser());
    const codePending = await openBrowser();
    browsers.set("codePending", codePending);
    await codePending.page.goto(`${portal.baseUrl}/sign-in/email`);
    await codePending.page.locator("#field-email").fill(who.email);
    await submitForm(codePending.page, "/sign-in/email");
    const staffPending = await openBrowser();
    browsers.set("staffPending", staffPending);
    await passwordOnly(staffPending, world.dpo2.email);
    const staffEnrolling = await openBrowser();
    browsers.set("staffEnrolling", staffEnrolling);
    await passwordOnly(staffEnrolling, "new-reviewer@e2e.rightsdesk.test");

    const [conv] = await db.select().from(conversations).where(and(eq(conversations.orgId, org.id), eq(conversations.subjectId, first.subjectId!)));
    const [entry] = await db.select({ seq: auditLog.seq }).from(auditLog).where(eq(auditLog.orgId, org.id)).orderBy(asc(auditLog.seq)).limit(1);
    data = {
      reference: asked.reference, refusedReference: refused.reference, requestId: first.id, conversationId: conv!.id,
      recipientId: recipient!.id, complaintId: complaint.id, auditSeq: Number(entry!.seq),
    };
    void totpCode;
  });

  after(async () => {
    for (const b of browsers.values()) await b.close();
    await portal?.stop();
  });

  it("has a way to reach every GET route the portal mounts", () => {
    const mounted = mountedGetPaths(portal.ctx);
    const missing = mounted.filter((p) => !(p in reach));
    expect(missing, `GET routes with no entry in every-page.e2e.ts's reach list: ${missing.join(", ")}`).to.deep.equal([]);
    const stale = Object.keys(reach).filter((p) => !mounted.includes(p));
    expect(stale, "entries for routes no longer mounted").to.deep.equal([]);
  });

  it("breaks no word in the middle on the DPO's pages at 1280 px and at 200 % zoom, in every language", async function () {
    this.timeout(600_000);
    const { page } = browsers.get("dpo")!;
    const targets = ["/staff", `/staff/requests/${data.requestId}`, "/staff/complaints", `/staff/complaints/${data.complaintId}`, "/staff/dashboard"];
    const broken: string[] = [];
    for (const vp of [{ name: "1280", width: 1280, height: 800 }, viewports[1]]) {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      for (const [target, locale] of targets.flatMap((t) => allLocales.map((l) => [t, l] as const))) {
        await page.goto(`${portal.staffUrl}${target}?lang=${locale}`);
        // A word of letters drawn on two lines was cut in the middle (overflow-wrap "anywhere", or a
        // column too narrow for it); references, addresses and numbers may wrap where they must.
        const cut = await page.evaluate(() => {
          const out: string[] = [];
          const walker = document.createTreeWalker(document.querySelector("main")!, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent ?? "";
            for (const m of text.matchAll(/(?<![\p{L}\p{N}@./_-])\p{L}{4,}(?![\p{L}\p{N}@./_-])/gu)) {
              const range = document.createRange();
              range.setStart(node, m.index!);
              range.setEnd(node, m.index! + m[0].length);
              const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
              const el = node.parentElement!;
              if (tops.size > 1) out.push(`${m[0]} in <${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).trim().replace(/\s+/g, ".") : ""}>`);
            }
          }
          return out;
        });
        if (cut.length) broken.push(`${target} at ${vp.name} [${await page.evaluate(() => document.documentElement.lang)}]: ${[...new Set(cut)].slice(0, 8).join(", ")}`);
      }
    }
    expect(broken, broken.join("\n")).to.deep.equal([]);
  });

  it("fits a 360 px phone and 200 % zoom, with no serious or critical axe violation, on every page", async function () {
    this.timeout(1_200_000);
    const problems: string[] = [];
    let checked = 0;
    for (const [route, entry] of Object.entries(reach)) {
      if ("notAPage" in entry) continue;
      const browser = browsers.get(entry.who)!;
      const base = staffSide.has(entry.who) ? portal.staffUrl : portal.baseUrl;
      for (const target of entry.paths(data)) {
        for (const vp of viewports) {
          const { page } = browser;
          await page.setViewportSize({ width: vp.width, height: vp.height });
          const res = await page.goto(`${base}${target}`);
          const landed = new URL(page.url()).pathname;
          const wanted = target.split("?")[0]!;
          if (landed !== wanted && !entry.lands?.test(landed)) {
            problems.push(`${route} (${entry.who}): ${target} landed on ${landed} (HTTP ${res?.status()})`);
            break;
          }
          const dir = path.join(screenshotsDir, "every-page", vp.name);
          fs.mkdirSync(dir, { recursive: true });
          const name = `${entry.who}${target.replace(/[^A-Za-z0-9]+/g, "-")}`.slice(0, 120);
          await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          if (width > vp.width) {
            // The elements that stick out, not counting those inside a box that scrolls or clips them.
            const wide = await page.evaluate((limit) => [...document.querySelectorAll("body *")]
              .filter((el) => el.getBoundingClientRect().right > limit + 1)
              .filter((el) => { for (let p = el.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible") return false; return true; })
              .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > limit + 1))
              .slice(0, 4)
              .map((el) => `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${typeof el.className === "string" && el.className ? "." + el.className.trim().replace(/\s+/g, ".") : ""}> ${(el.textContent ?? "").trim().slice(0, 40)}`), vp.width);
            problems.push(`${target} at ${vp.name}: scrollWidth ${width} > ${vp.width} (${wide.join(" ")})`);
          }
          try {
            await assertAccessible(page, `${target} at ${vp.name}`);
          } catch (err) {
            problems.push((err as Error).message.split("\n").slice(0, 4).join("\n"));
          }
          if (browser.errors.length) problems.push(`${target}: browser errors: ${browser.errors.splice(0).join(" | ")}`);
          checked += 1;
        }
      }
    }
    console.log(`      every-page: ${checked} page views checked (pages × 2 viewports)`);
    expect(problems, problems.join("\n")).to.deep.equal([]);
  });
});
