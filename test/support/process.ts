/**
 * The real processes an operator runs: `node --import tsx src/main.ts` and the scripts, started
 * as child processes on a temporary DATA_DIR, and a small cookie-keeping HTTP client that talks
 * to the running portal the way a browser does (manual redirects, forms, CSRF tokens).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: ours minus anything that would point it at another database or mailbox. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, TEST_DATABASE_URL: _t, SMTP_URL: _s, SEED_DEMO: _seed, NODE_ENV: _n, PORT: _p, BASE_URL: _b, ...rest } = process.env;
  return { ...rest, LOG_LEVEL: "info", ...env };
}

/** Runs a TypeScript entry point to its end, optionally typing `input` into its stdin. */
export function runScript(file: string, args: string[], env: Record<string, string>, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { cwd: root, env: childEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

export interface PortalProcess {
  baseUrl: string;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the process to exit (it closes its database first). */
  stop(): Promise<number | null>;
}

/** Starts src/main.ts on a free port and resolves once it logs "listening" with its port. */
export function startPortalProcess(env: Record<string, string>): Promise<PortalProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: root, env: childEnv({ PORT: "0", ...env }), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`portal did not start:\n${stdout}\n${stderr}`)), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const port = /"msg":"listening"/.test(stdout) ? /"port":(\d+)/.exec(stdout)?.[1] : undefined;
      if (!port) return;
      clearTimeout(timer);
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        output: () => ({ stdout, stderr }),
        stop: async () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) => fail(new Error(`portal exited (${code}) before listening:\n${stdout}\n${stderr}`)));
  });
}

export interface Page {
  status: number;
  location: string | null;
  text: string;
}

/** A browser without a window: keeps cookies, follows no redirects by itself, fills in CSRF tokens. */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  async get(path: string): Promise<Page> {
    return this.send("GET", path);
  }

  /** Posts a form; the CSRF token is read from `formPage` (default: the same path) first. */
  async post(path: string, fields: Record<string, string | string[]>, formPage = path): Promise<Page> {
    const page = await this.get(formPage);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error(`no CSRF token on ${formPage} (status ${page.status})`);
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...fields, _csrf: token })) for (const one of [v].flat()) body.append(k, one);
    return this.send("POST", path, body);
  }

  /** Follows redirects from a page to where it ends. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 10 && current.location; i++) current = await this.get(current.location);
    return current;
  }

  private async send(method: string, path: string, body?: URLSearchParams): Promise<Page> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: "manual",
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      body,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = res.headers.get("location");
    return { status: res.status, location: location ? new URL(location, this.baseUrl).pathname + new URL(location, this.baseUrl).search : null, text: await res.text() };
  }
}
