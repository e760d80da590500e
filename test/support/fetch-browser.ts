/**
 * A browser without a window for a portal running as its own process (test/support/processes.ts):
 * keeps cookies, follows no redirects by itself, and fills in the CSRF token of the form page.
 */
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
