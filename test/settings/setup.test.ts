import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { expect } from "chai";
import { asc } from "drizzle-orm";
import { generate } from "otplib";
import { openPglite } from "../../src/db/client.js";
import { organizations } from "../../src/db/schema/index.js";
import { DEMO_DOMAIN, DEMO_STAFF_PASSWORD } from "../../src/seed/demo.js";
import { askAll, UsageError } from "../../scripts/setup-questions.js";
import { Browser } from "../support/fetch-browser.js";
import { embeddedEnv, runCommand, startPortal, stopProcess, type Started } from "../support/processes.js";
import { TestSmtpServer, textPart } from "../identity/helpers.js";

const ADMIN = { name: "Anna Admin", email: "anna@nuortenapu.example", password: "velvet harbor cinnamon trombone 58" };
const setupFlags = (extra: string[] = []) => [
  "--yes", "--name", "Nuorten Apu ry", "--country", "FI", "--locales", "fi,en", "--dpo-email", "tietosuoja@nuortenapu.example",
  "--admin-name", ADMIN.name, "--admin-email", ADMIN.email, ...extra,
];

/** Every field of every settings section, in Finnish and English. */
const sections: Record<string, Record<string, string | string[]>> = {
  about: {
    "purposes.fi": "Vastaamme keskusteluihin ja tuemme sinua", "purposes.en": "We answer chats and support you",
    "legalBases.fi": "Suostumuksesi", "legalBases.en": "Your consent",
    "categories.fi": "Keskustelujen viestit", "categories.en": "The messages of your chats",
    "source.fi": "Sinulta itseltäsi", "source.en": "From you",
  },
  transfers: { outsideEea: "no" },
  contacts: { dpoEmail: "tietosuoja@nuortenapu.example", authorityCountry: "FI" },
  verification: { methods: ["receipt", "email", "account"], storeIpAddresses: "no" },
  mail: { mailSenderName: "Nuorten Apu" },
};

/** The portal's outbox poller writes the mail within seconds: wait for it in the file mailbox. */
async function mailTo(dir: string, address: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const found = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).find((m) => m.includes(address));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${address} in ${dir}`);
}

describe("going live: npm run setup, then the admin's first sign-in and the checklist", function () {
  this.timeout(300_000);
  let dataDir: string;
  let portal: Started | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rd-setup-"));
  });
  afterEach(async () => {
    if (portal) await stopProcess(portal);
    portal = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates an organization whose admin signs in with TOTP; its pages say \"not open yet\" until the checklist is complete", async () => {
    const setup = await runCommand("scripts/setup.ts", embeddedEnv(dataDir), setupFlags());
    expect(setup.code, setup.stderr).to.equal(0);
    const links = [...setup.stdout.matchAll(/https?:\/\/\S+(\/staff\/invite\/[\w-]+)/g)];
    expect(links, "the link is printed once").to.have.length(1);
    const invitePath = links[0]![1]!;

    const started = await startPortal(dataDir, { LOG_LEVEL: "info" });
    portal = started;
    expect(started.listening, started.stderr()).to.equal(true);
    const base = `http://127.0.0.1:${started.port}`;
    const visitor = new Browser(base);
    for (const page of ["/", "/sign-in", "/sign-in/email", "/requests", "/password-reset"]) {
      const res = await visitor.get(page);
      expect(res.status, page).to.equal(503);
      expect(res.text, page).to.include("Palvelu ei ole vielä auki").and.include("Nuorten Apu ry");
    }
    for (const page of ["/healthz", "/how-to-complain", "/verify", "/staff/sign-in"]) expect((await visitor.get(page)).status, page).to.equal(200);

    // Nothing of the demo exists: its published admin password does not sign in.
    const demo = await visitor.post("/staff/sign-in", { email: `admin@${DEMO_DOMAIN}`, password: DEMO_STAFF_PASSWORD });
    expect(demo.status).to.equal(422);

    // The invitation: a password, then TOTP enrolment at the first sign-in, then the checklist.
    const admin = new Browser(base);
    expect((await admin.get(`${invitePath}?lang=en`)).location).to.equal("/staff/invite");
    let res = await admin.post("/staff/invite", { password: ADMIN.password, confirm: ADMIN.password });
    expect(res.location).to.equal("/staff/sign-in?welcome=1");
    res = await admin.post("/staff/sign-in", { email: ADMIN.email, password: ADMIN.password });
    expect(res.location).to.equal("/staff/totp/setup");
    const enrol = await admin.get("/staff/totp/setup");
    const secret = /<code class="code">([A-Z2-7]+)<\/code>/.exec(enrol.text)![1]!;
    res = await admin.post("/staff/totp", { enrol: "1", code: await generate({ secret }) }, "/staff/totp/setup");
    expect(res.location).to.equal("/staff/totp/recovery-codes");
    res = await admin.post("/staff/totp/recovery-codes", {});
    expect(res.location).to.equal("/staff/admin");
    let home = await admin.get("/staff/admin");
    expect(home.status).to.equal(200);
    // The set-up filled in the DPO, the authority (from the country) and the sender name (its name);
    // every way to sign in is on until changed. Left: four texts, transfers and retention.
    expect((home.text.match(/Not done yet/g) ?? []).length).to.equal(6);

    for (const [section, fields] of Object.entries(sections)) {
      res = await admin.post(`/staff/admin/settings/${section}`, fields);
      expect(res.status, `${section}: ${res.text.slice(0, 300)}`).to.equal(303);
      expect(res.location).to.equal(`/staff/admin?saved=${section}`);
    }
    expect((await visitor.get("/")).status, "still no retention rule").to.equal(503);
    res = await admin.post("/staff/retention/preset", { preset: "chats_2_months" }, "/staff/retention");
    expect(res.status).to.equal(303);

    home = await admin.get("/staff/admin");
    expect(home.text).not.to.include("Not done yet");
    expect(home.text).to.include("your request pages are open");
    const start = await visitor.get("/");
    expect(start.status).to.equal(200);
    expect(start.text).to.include('href="/sign-in"');
    const choose = await visitor.get("/sign-in");
    expect(choose.status).to.equal(200);

    // The request flow is served: an e-mail code (the file mailbox of DATA_DIR), then the first question.
    res = await visitor.post("/sign-in/email", { email: "nuori@example.test" });
    expect(res.location).to.match(/^\/sign-in\/email\/code/);
    const eml = await mailTo(path.join(dataDir, "mail"), "nuori@example.test");
    const code = /\b(\d{4} ?\d{4})\b/.exec(textPart(eml))![1]!;
    res = await visitor.post("/sign-in/email/code", { code }, res.location!);
    const signedIn = await visitor.follow(res);
    expect(signedIn.status).to.equal(200);
    expect((await visitor.get("/requests/new/type")).status).to.equal(200);

    const output = started.stdout() + started.stderr();
    expect(output).not.to.include(invitePath.split("/").pop()!);
    expect(output).not.to.include(DEMO_DOMAIN);
  });

  it("refuses wrong or missing flags before touching the database, mails the link with SMTP_URL, and wants a host for a second organization", async () => {
    const bad = await runCommand("scripts/setup.ts", embeddedEnv(dataDir), ["--yes", "--name", "X", "--country", "ZZ", "--admin-email", "nope"]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include("--country").and.include("--dpo-email: required").and.include("--admin-email").and.include("--admin-name: required");
    expect(fs.existsSync(path.join(dataDir, "pglite"))).to.equal(false);

    const smtp = new TestSmtpServer();
    await smtp.start();
    try {
      const mailed = await runCommand("scripts/setup.ts", embeddedEnv(dataDir, { SMTP_URL: smtp.url }), setupFlags());
      expect(mailed.code, mailed.stderr).to.equal(0);
      expect(mailed.stdout).to.include(`e-mailed to ${ADMIN.email}`);
      expect(mailed.stdout).not.to.match(/\/staff\/invite\//);
      const [mail] = smtp.to(ADMIN.email);
      expect(textPart(mail!.raw)).to.match(/\/staff\/invite\/[\w-]{20,}/).and.include("Nuorten Apu ry");
    } finally {
      await smtp.stop();
    }

    const second = ["--yes", "--name", "Stödlinjen", "--country", "SE", "--dpo-email", "dpo@stod.example", "--admin-name", "Sara", "--admin-email", "sara@stod.example"];
    const noHost = await runCommand("scripts/setup.ts", embeddedEnv(dataDir), second);
    expect(noHost.code).to.equal(2);
    expect(noHost.stderr).to.match(/own host name/);
    const taken = await runCommand("scripts/setup.ts", embeddedEnv(dataDir), setupFlags(["--host", "rights.nuortenapu.example"]));
    expect(taken.code).to.equal(2);
    expect(taken.stderr).to.include('the slug "nuorten-apu-ry" is taken');
    const withHost = await runCommand("scripts/setup.ts", embeddedEnv(dataDir), [...second, "--host", "rights.stod.example"]);
    expect(withHost.code, withHost.stderr).to.equal(0);
    // The link opens on the new organization's own host, where the invitation works.
    expect(withHost.stdout).to.match(/http:\/\/rights\.stod\.example:3000\/staff\/invite\/[\w-]+/);
    // The first organization, which answered every host until now, keeps BASE_URL's host name.
    const database = await openPglite(path.join(dataDir, "pglite"));
    try {
      const orgs = await database.db.select({ slug: organizations.slug, hostnames: organizations.hostnames }).from(organizations).orderBy(asc(organizations.createdAt));
      expect(orgs).to.deep.equal([{ slug: "nuorten-apu-ry", hostnames: ["localhost"] }, { slug: "stodlinjen", hostnames: ["rights.stod.example"] }]);
    } finally {
      await database.close();
    }
  });

  it("in a terminal, asks each question with its default and asks again after a wrong answer", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => (shown += d.toString()));
    const answers = ["Nuorten Apu", "", "", "XX", "fi", "", "fi,de", "fi,en", "", "not-an-address", "dpo@nuortenapu.example", "Anna Admin", "anna@nuortenapu.example", "y"];
    input.end(answers.map((a) => `${a}\n`).join(""));
    const result = await askAll({}, input, output);
    expect(result).to.deep.include({
      name: "Nuorten Apu", slug: "nuorten-apu", hosts: [], country: "FI", timeZone: "Europe/Helsinki", locales: ["fi", "en"], defaultLocale: "fi",
      dpoEmail: "dpo@nuortenapu.example", adminName: "Anna Admin", adminEmail: "anna@nuortenapu.example",
    });
    expect(shown).to.include("Slug (in addresses and file names) [nuorten-apu]");
    expect(shown).to.include("Time zone [Europe/Helsinki]");
    expect(shown).to.include("a two-letter country code with a supervisory authority in the directory");
    expect(shown).to.include("each one of en, fi, sv, nl, et");
    expect(shown).to.include("an e-mail address, e.g. dpo@example.org");

    const declined = new PassThrough();
    declined.end(["Nuorten Apu", "", "", "FI", "", "", "", "dpo@x.example", "Anna", "anna@x.example", "n"].map((a) => `${a}\n`).join(""));
    let error: unknown;
    await askAll({}, declined, new PassThrough()).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(UsageError);
  });
});
