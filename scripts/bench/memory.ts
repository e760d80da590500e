/**
 * `npm run bench:memory`: what the embedded portal with the demo holds, in one run, for the
 * baseline (the portal at a git ref — default where this branch left main — run as its
 * `npm start` did, with tsx) and for this tree (compiled dist/, as `npm start` runs it now):
 *   1. RSS of the idle portal right after its fresh first start (new DATA_DIR: initdb + demo seed),
 *   2. RSS of the idle portal restarted on that DATA_DIR,
 *   3. RSS samples over steady traffic (public pages and a signed-in requester's pages, 4 at a
 *      time), and the growth from the first sample to the last.
 * RSS counts the whole process tree (tsx's CLI runs the portal in a child). Target (issue 22):
 * idle ≤ 250 MB, no growth under traffic. Prints figures; asserts nothing.
 *
 *   npm run bench:memory [-- --seconds 60 | --minutes 10] [-- --idle 10] [-- --baseline <ref>] [-- --no-baseline]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { argValue, defaultBaselineRef, extractBaseline, portalArgv, repoRoot, spawnPortal, stopPortal, treeRssMb, waitHealthy, type Portal } from "./portal-process.js";

const trafficSeconds = argValue("minutes") ? Number(argValue("minutes")) * 60 : Number(argValue("seconds") ?? 60);
const idleSeconds = Number(argValue("idle") ?? 10);
const withBaseline = !process.argv.includes("--no-baseline");
const CONCURRENCY = 4;
const SAMPLES = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  freshIdle: number;
  restartIdle: number;
  samples: number[];
  requests: number;
  failures: number;
}

/** A cookie jar for one visitor: what the portal set, sent back on each request. */
class Visitor {
  private cookies = new Map<string, string>();
  /** Settable: the same visitor (its session) comes back to the restarted portal. */
  constructor(public baseUrl: string) {}

  async get(p: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.baseUrl}${p}`, { headers: this.headers(), redirect: "manual" });
    this.keep(res);
    return { status: res.status, body: await res.text() };
  }

  async post(p: string, form: Record<string, string>): Promise<number> {
    const res = await fetch(`${this.baseUrl}${p}`, { method: "POST", headers: { ...this.headers(), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form), redirect: "manual" });
    this.keep(res);
    await res.arrayBuffer();
    return res.status;
  }

  private headers(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }
}

/** Signs in as the demo's chat-account requester, whose address and password the welcome prints. */
async function signedInRequester(portal: Portal): Promise<{ visitor: Visitor; pages: string[] }> {
  const match = /Requester \(chat account\): (\S+) \/ (\S+)/.exec(portal.stdout());
  if (!match) throw new Error("the welcome did not print the demo requester (restart on demo data prints no sign-ins: start fresh first)");
  const visitor = new Visitor(portal.baseUrl);
  const form = await visitor.get("/sign-in/password");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!csrf) throw new Error("no CSRF token on the sign-in form");
  const status = await visitor.post("/sign-in/password", { _csrf: csrf, email: match[1]!, password: match[2]! });
  if (status !== 303) throw new Error(`demo requester sign-in answered ${status}`);
  const list = await visitor.get("/requests");
  const detail = /href="(\/requests\/[A-Z0-9-]+)"/.exec(list.body)?.[1];
  return { visitor, pages: ["/requests", "/my-data/who-has-seen", ...(detail ? [detail] : [])] };
}

const publicPages = ["/", "/how-to-complain", "/verify", "/sign-in", "/sign-in/password"];

/** Steady traffic for `seconds`, CONCURRENCY loops alternating public and signed-in pages; RSS sampled SAMPLES times. */
async function drive(portal: Portal, signIn: { visitor: Visitor; pages: string[] }, seconds: number): Promise<Pick<Figures, "samples" | "requests" | "failures">> {
  const end = performance.now() + seconds * 1000;
  let requests = 0;
  let failures = 0;
  const loop = async (n: number) => {
    const anonymous = new Visitor(portal.baseUrl);
    for (let i = n; performance.now() < end; i++) {
      const signedIn = i % 2 === 0;
      const pages = signedIn ? signIn.pages : publicPages;
      const { status } = await (signedIn ? signIn.visitor : anonymous).get(pages[i % pages.length]!).catch(() => ({ status: 0 }));
      requests++;
      if (status !== 200) failures++;
    }
  };
  const samples: number[] = [];
  const sampler = (async () => {
    for (let s = 1; s <= SAMPLES; s++) {
      await sleep((seconds * 1000) / SAMPLES);
      samples.push(treeRssMb(portal.child.pid!));
    }
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, (_, n) => loop(n)), sampler]);
  return { samples, requests, failures };
}

async function measure(label: string, root: string, argv: string[], dataDir: string): Promise<Figures> {
  process.stdout.write(`${label}\n`);
  const fresh = await spawnPortal(root, argv, dataDir);
  let freshIdle: number;
  let signIn: { visitor: Visitor; pages: string[] };
  try {
    await waitHealthy(fresh, performance.now());
    await sleep(idleSeconds * 1000);
    freshIdle = treeRssMb(fresh.child.pid!);
    process.stdout.write(`  idle after a fresh first start (demo seeded): ${freshIdle} MB\n`);
    signIn = await signedInRequester(fresh);
  } finally {
    await stopPortal(fresh);
  }
  const portal = await spawnPortal(root, argv, dataDir);
  try {
    await waitHealthy(portal, performance.now());
    await sleep(idleSeconds * 1000);
    const restartIdle = treeRssMb(portal.child.pid!);
    process.stdout.write(`  idle after a restart on that data:            ${restartIdle} MB\n`);
    // The session made before the restart is in the database: it still holds.
    signIn.visitor.baseUrl = portal.baseUrl;
    const traffic = await drive(portal, signIn, trafficSeconds);
    const growth = traffic.samples.at(-1)! - traffic.samples[0]!;
    process.stdout.write(`  ${trafficSeconds} s of traffic, ${traffic.requests} requests (${traffic.failures} not 200), RSS samples: ${traffic.samples.join(", ")} MB; growth ${growth >= 0 ? "+" : ""}${growth} MB\n`);
    return { freshIdle, restartIdle, ...traffic };
  } finally {
    await stopPortal(portal);
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rd-bench-memory-"));
try {
  process.stdout.write(`portal RSS on PGlite with the demo (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}; idle ${idleSeconds} s before each reading)\n`);
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: repoRoot, stdio: "inherit" });
  let baseline: Figures | undefined;
  if (withBaseline) {
    const { root, commit } = extractBaseline(argValue("baseline") ?? defaultBaselineRef(), path.join(scratch, "baseline"));
    baseline = await measure(`baseline ${commit} (tsx src/main.ts)`, root, portalArgv(root, "tsx"), path.join(scratch, "data-baseline"));
  }
  const now = await measure("this tree (node dist/main.js)", repoRoot, portalArgv(repoRoot, "compiled"), path.join(scratch, "data-now"));
  if (baseline) {
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    process.stdout.write(`\nidle after fresh start: ${baseline.freshIdle} → ${now.freshIdle} MB (${ratio(now.freshIdle, baseline.freshIdle)}×); after restart: ${baseline.restartIdle} → ${now.restartIdle} MB (${ratio(now.restartIdle, baseline.restartIdle)}×); target ≤ 250 MB\n`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
