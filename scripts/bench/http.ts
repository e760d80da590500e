/**
 * npm run bench:http — requests per second and p99 latency of two portal pages, each beside bare
 * Express + EJS serving the same HTML, measured with autocannon in one run on this machine:
 *   (a) the public home page (target: the portal ≥ 70 % of bare),
 *   (b) a signed-in requester's request page /requests/:reference (target ≥ 40 %).
 * The portal runs as in production (NODE_ENV=production: view cache, info-level JSON logs to a
 * discarded stdout, no job runner) with the demo data, in a child process; the bare app is another
 * child serving the portal's HTML, captured once, through an EJS template with the view cache on.
 * Each pair is measured in alternating rounds (BENCH_ROUNDS × BENCH_SECONDS each), so a burst of
 * load from elsewhere on the machine falls on both sides alike.
 *
 * Database: PGlite in a temporary directory, or DATABASE_URL if set — its public schema is dropped
 * and recreated, so it must be a database of the benchmark's own (its name starting with "test"
 * or "bench"; anything else is refused).
 *
 * BENCH_BASELINE=<dir> also runs the portal from another checkout of the repository (e.g. the
 * commit before a fix, unpacked with `git archive`, its node_modules linked to this one's) in the
 * same rounds, and prints its figures beside this one's: before and after in one run. On
 * PostgreSQL it gets a database of its own, DATABASE_URL's name with "_baseline" appended.
 *
 * The last line is `BENCH {json}` for `npm run bench`.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fork, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import { printBenchSummary } from "./support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = { home: 0.7, request: 0.4 } as const;
/** BENCH_PAGES=home (or request) measures one page only, e.g. while profiling it. */
const PAGES = (process.env.BENCH_PAGES?.split(",") ?? ["home", "request"]).filter((p): p is keyof typeof TARGETS => p in TARGETS);

/** What the portal child tells the parent once it listens. */
interface PortalReady {
  port: number;
  host: string;
  cookie: string;
  reference: string;
  engine: string;
}

const self = fileURLToPath(import.meta.url);
const repoRoot = path.resolve(path.dirname(self), "../..");

// ---------------------------------------------------------------- children

/** The portal of the checkout at `root` (this one, or BENCH_BASELINE's). */
async function servePortal(root: string): Promise<void> {
  const from = (file: string) => import(pathToFileURL(path.join(root, file)).href);
  const { loadConfig } = await from("src/config.ts");
  const { createLogger } = await from("src/platform/logger.ts");
  const { createContext } = await from("src/bootstrap.ts");
  const { buildApp } = await from("src/app.ts");
  const { seedDemo } = await from("src/seed/demo.ts");
  const { createSession } = await from("src/identity/sessions.ts");
  const { organizations, requests } = await from("src/db/schema/index.ts");
  const { and, isNotNull, eq } = await import("drizzle-orm");

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-http-"));
  const url = process.env.DATABASE_URL;
  if (url) await resetBenchDatabase(url);
  const env = { DATA_DIR: dataDir, JOBS: "off", LOG_LEVEL: process.env.LOG_LEVEL ?? "info", MASTER_KEY: crypto.randomBytes(32).toString("base64"), ...(url ? { DATABASE_URL: url } : {}) };
  // The demo is seeded outside production (it refuses production), then the app is built as production runs it.
  const seedConfig = loadConfig({ ...env, NODE_ENV: "development" });
  const { ctx, database } = await createContext(seedConfig, createLogger(seedConfig.LOG_LEVEL));
  await seedDemo(ctx);
  ctx.config = loadConfig({ ...env, NODE_ENV: "production" });

  type Row = { id: string; hostnames: string[]; subjectId: string; reference: string };
  const [org] = (await ctx.db.select().from(organizations).limit(1)) as Row[];
  const [request] = (await ctx.db.select().from(requests).where(and(eq(requests.orgId, org!.id), isNotNull(requests.subjectId))).limit(1)) as Row[];
  const { token } = await createSession(ctx, ctx.db, { orgId: org!.id, kind: "requester", subjectId: request!.subjectId, assurance: "account", stage: "complete" });
  const server = buildApp(ctx).listen(0, "127.0.0.1", () => {
    const ready: PortalReady = { port: (server.address() as AddressInfo).port, host: org!.hostnames[0] ?? "localhost", cookie: `rd_session=${token}`, reference: request!.reference, engine: ctx.engine };
    process.send!(ready);
  });
  process.on("disconnect", () => {
    server.close();
    server.closeAllConnections();
    void (database.close() as Promise<void>).finally(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

/** Drops and recreates the public schema, only of a database whose name says it is for tests or benchmarks. */
async function resetBenchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^(test|bench)/.test(name)) {
    throw new Error(`bench:http drops the public schema of DATABASE_URL; refusing database "${name}" (give it one named test… or bench…)`);
  }
  const { default: pg } = await import("pg");
  const server = new URL(url);
  server.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
  } finally {
    await client.end();
  }
}

/** Bare Express + EJS: the captured pages as EJS templates, rendered with the view cache on. */
async function serveBare(viewsDir: string): Promise<void> {
  const { default: express } = await import("express");
  const app = express();
  app.set("views", viewsDir);
  app.set("view engine", "ejs");
  app.set("view cache", true);
  app.get("/home", (_req, res) => res.render("home"));
  app.get("/request", (_req, res) => res.render("request"));
  const server = app.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on("disconnect", () => process.exit(0));
}

// ---------------------------------------------------------------- parent

function start<T>(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; ready: T }> {
  // The children's stdout (the portal's request log) is discarded, as a log shipper would take it.
  const child = fork(self, args, { env, execArgv: ["--import", "tsx", ...(process.env.BENCH_CHILD_ARGS?.split(" ").filter(Boolean) ?? [])], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (ready) => resolve({ child, ready: ready as T }));
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
  });
}

interface Load {
  rps: number;
  p99: number;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { rps: result.requests.total / seconds, p99: result.latency.p99 };
}

/** A server under load: the portal, the baseline portal, or bare Express + EJS. */
interface Side {
  name: string;
  url: string;
  headers: Record<string, string>;
}

/** Alternating rounds over the sides; req/s averaged over the rounds, p99 the worse round's. */
async function compare(sides: Side[]): Promise<Map<string, Load>> {
  for (const side of sides) await load(side.url, side.headers, 2); // warm-up: JIT, caches, connections
  const runs = new Map(sides.map((side) => [side.name, [] as Load[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of sides) runs.get(side.name)!.push(await load(side.url, side.headers, SECONDS));
  }
  const merge = (all: Load[]): Load => ({ rps: all.reduce((sum, l) => sum + l.rps, 0) / all.length, p99: Math.max(...all.map((l) => l.p99)) });
  return new Map([...runs].map(([name, all]) => [name, merge(all)]));
}

async function capture(url: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(url, { headers, redirect: "manual" });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}, not 200`);
  return res.text();
}

/** The two pages of a portal child, as autocannon asks for them. */
function pagesOf(ready: PortalReady): Record<"home" | "request", { url: string; headers: Record<string, string> }> {
  const base = `http://127.0.0.1:${ready.port}`;
  return {
    home: { url: `${base}/`, headers: { host: ready.host } },
    request: { url: `${base}/requests/${ready.reference}`, headers: { host: ready.host, cookie: ready.cookie } },
  };
}

function baselineEnv(): NodeJS.ProcessEnv {
  if (!process.env.DATABASE_URL) return process.env;
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `${url.pathname}_baseline`;
  return { ...process.env, DATABASE_URL: url.toString() };
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
const figure = (l: Load) => `${l.rps.toFixed(0).padStart(6)} req/s (p99 ${String(l.p99).padStart(4)} ms)`;

async function main(): Promise<void> {
  const views = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-bench-bare-"));
  const baselineRoot = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;
  const children: ChildProcess[] = [];
  const started = async <T>(args: string[], env: NodeJS.ProcessEnv) => {
    const { child, ready } = await start<T>(args, env);
    children.push(child);
    return ready;
  };
  try {
    // NODE_ENV in the process environment as well, as a production start has it (Express reads it too).
    const portal = await started<PortalReady>(["serve-portal", repoRoot], { ...process.env, NODE_ENV: "production" });
    // One at a time: two seeds at once would only slow each other down.
    const baseline = baselineRoot ? await started<PortalReady>(["serve-portal", baselineRoot], { ...baselineEnv(), NODE_ENV: "production" }) : undefined;
    const pages = pagesOf(portal);
    // The same HTML for bare EJS to render; `<%` never occurs in it, so EJS passes it through as it is.
    for (const [name, page] of Object.entries(pages)) {
      const html = await capture(page.url, page.headers);
      if (html.includes("<%")) throw new Error(`the ${name} page holds "<%", which EJS would read as a tag`);
      fs.writeFileSync(path.join(views, `${name}.ejs`), html);
    }
    const bare = await started<{ port: number }>(["serve-bare", views], { ...process.env, NODE_ENV: "production" });
    if (baseline) for (const page of Object.values(pagesOf(baseline))) await capture(page.url, page.headers);

    process.stdout.write(`bench:http on ${portal.engine}, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s per server, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}\n`);
    if (baselineRoot) process.stdout.write(`baseline: the portal from ${baselineRoot}\n`);
    const summary: Record<string, number | string | boolean> = { engine: portal.engine };
    for (const name of PAGES) {
      const sides: Side[] = [
        { name: "portal", ...pages[name] },
        ...(baseline ? [{ name: "baseline", ...pagesOf(baseline)[name] }] : []),
        { name: "bare", url: `http://127.0.0.1:${bare.port}/${name}`, headers: {} },
      ];
      const r = await compare(sides);
      const [mine, bareLoad, before] = [r.get("portal")!, r.get("bare")!, r.get("baseline")];
      const ratio = mine.rps / bareLoad.rps;
      const target = TARGETS[name];
      const label = name === "home" ? "public home page" : "requester's request page";
      process.stdout.write(`${label}\n`);
      process.stdout.write(`  bare Express + EJS  ${figure(bareLoad)}\n`);
      if (before) process.stdout.write(`  portal, baseline    ${figure(before)}   ${pct(before.rps / bareLoad.rps)} of bare\n`);
      process.stdout.write(`  portal              ${figure(mine)}   ${pct(ratio)} of bare (target ≥ ${target * 100} %: ${ratio >= target ? "met" : "MISSED"})${before ? `, ${(mine.rps / before.rps).toFixed(2)}× the baseline` : ""}\n`);
      Object.assign(summary, {
        [`${name}_rps`]: Math.round(mine.rps), [`${name}_bare_rps`]: Math.round(bareLoad.rps), [`${name}_ratio`]: Number(ratio.toFixed(3)),
        [`${name}_p99_ms`]: mine.p99, [`${name}_bare_p99_ms`]: bareLoad.p99, [`${name}_target_met`]: ratio >= target,
        ...(before ? { [`${name}_baseline_rps`]: Math.round(before.rps), [`${name}_baseline_ratio`]: Number((before.rps / bareLoad.rps).toFixed(3)) } : {}),
      });
    }
    printBenchSummary("http", summary);
  } finally {
    for (const child of children) if (child.connected) child.disconnect();
    fs.rmSync(views, { recursive: true, force: true });
  }
}

// Last, so every constant above is initialized: the same file is the parent and both children.
const role = process.argv[2];
if (role === "serve-portal") await servePortal(process.argv[3]!);
else if (role === "serve-bare") await serveBare(process.argv[3]!);
else await main();
