/**
 * `npm run bench:case-page`: the staff case page's height at 1280 px on each demo request, the
 * busiest (most timeline events) first, signed in as the demo DPO. Prints figures; asserts nothing.
 */
import { eq, sql } from "drizzle-orm";
import { randomToken, sha256Hex } from "../../src/platform/crypto.js";
import { requestEvents, requests, sessions, staffUsers } from "../../src/db/schema/index.js";
import { seedDemo } from "../../src/seed/demo.js";
import { startPortal } from "../../test/e2e/support/server.js";
import { openBrowser } from "../../test/e2e/support/browser.js";

const portal = await startPortal();
const browser = await openBrowser({ width: 1280, height: 900 });
try {
  const { ctx } = portal;
  await seedDemo(ctx);
  const all = await ctx.db.select({ id: requests.id, reference: requests.reference, status: requests.status, orgId: requests.orgId, events: sql<number>`count(${requestEvents.id})::int` })
    .from(requests).leftJoin(requestEvents, eq(requestEvents.requestId, requests.id)).groupBy(requests.id).orderBy(sql`count(${requestEvents.id}) desc`);
  const busiest = all[0];
  const [dpo] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.role, "dpo")).limit(1);
  const token = randomToken();
  const now = new Date();
  await ctx.db.insert(sessions).values({ idHash: sha256Hex(token), orgId: busiest!.orgId, kind: "staff", staffId: dpo!.id, assurance: "staff", stage: "complete", reauthAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + 3_600_000) });
  await browser.context.addCookies([{ name: "rd_session", value: token, url: portal.baseUrl }]);
  for (const r of all) for (const js of [true, false]) {
    await browser.context.route("**/public/js/**", (route) => (js ? route.continue() : route.abort()));
    const res = await browser.page.goto(`${portal.baseUrl}/staff/requests/${r.id}`);
    if (res?.status() !== 200) process.stdout.write(`${res?.status()} ${(await browser.page.innerText("main")).slice(0, 300)}\n`);
    const height = await browser.page.evaluate(() => document.documentElement.scrollHeight);
    if (process.env.SHOT) await browser.page.screenshot({ path: `${process.env.SHOT}/${r.status}-${js ? "js" : "nojs"}.png`, fullPage: true });
    process.stdout.write(`case page ${r.reference} (${r.status}, ${r.events} events) at 1280 px, ${js ? "with" : "without"} JavaScript: ${height} px\n`);
    await browser.context.unrouteAll();
  }
} finally {
  await browser.close();
  await portal.stop();
}
