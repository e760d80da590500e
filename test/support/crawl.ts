/**
 * A crawler over HTTP for tests that hold every page to a rule: it follows the links a user sees
 * (GET), sends the forms that cannot change anything (every text area too long, so each comes
 * back with its errors) and, under a prefix it is given, the forms of a guided journey (a short
 * text and the first choice of each question). Each answer is kept with its headers, and each HTML page parsed with
 * parse5, so the checks read the document a browser builds.
 */
import { parse, type DefaultTreeAdapterMap } from "parse5";
import type { Agent } from "./http.js";

type Node = DefaultTreeAdapterMap["node"];
export type Element = DefaultTreeAdapterMap["element"];

export interface Visit {
  method: "GET" | "POST";
  path: string;
  status: number;
  headers: Record<string, string>;
  /** The parsed page, for HTML answers. */
  document?: DefaultTreeAdapterMap["document"];
  /** For a POST: the action of the form that was sent, to find it again in the answer. */
  form?: string;
}

export const attr = (el: Element, name: string): string | undefined => el.attrs.find((a) => a.name === name)?.value;

export function elements(node: Node): Element[] {
  const out: Element[] = [];
  const walk = (n: Node) => {
    if ("tagName" in n) out.push(n);
    const kids = "content" in n && n.nodeName === "template" ? n.content.childNodes : "childNodes" in n ? n.childNodes : [];
    for (const c of kids) walk(c);
  };
  walk(node);
  return out;
}

export function ancestors(el: Element): Element[] {
  const out: Element[] = [];
  for (let p = el.parentNode; p && "tagName" in p; p = p.parentNode) out.push(p);
  return out;
}

/** Ids and references, so "the same page for another request" is visited only a few times. */
function shape(path: string): string {
  const url = new URL(path, "http://crawl.invalid");
  const generic = url.pathname
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ":id")
    .replace(/RD-[0-9A-Z]{4}-[0-9A-Z]{4}/g, ":ref")
    .replace(/\/\d+(?=\/|$)/g, "/:n");
  return `${generic}?${[...url.searchParams.keys()].sort().join("&")}`;
}

export interface CrawlOptions {
  start: string[];
  /** Paths never requested (sign-out, language switches are skipped anyway). */
  skip?: (path: string) => boolean;
  /** Under this prefix, forms without text areas are sent with the first choice of each question. */
  journeyPrefix?: string;
  maxPages?: number;
  perShape?: number;
}

const TOO_LONG = "x".repeat(20_001);

/** The fields a browser would send for this form: text areas too long, or (choosing) a short text and the first choices. */
function formFields(form: Element, choose: boolean): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const had = fields[name];
    fields[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  };
  const chosen = new Set<string>();
  for (const el of elements(form)) {
    const name = attr(el, "name");
    if (!name) continue;
    if (el.tagName === "textarea") add(name, choose ? "Sent by the page crawler." : TOO_LONG);
    else if (el.tagName === "select") {
      const options = elements(el).filter((o) => o.tagName === "option");
      const selected = options.find((o) => attr(o, "selected") !== undefined) ?? options[0];
      if (selected) add(name, attr(selected, "value") ?? "");
    } else if (el.tagName === "input") {
      const type = attr(el, "type") ?? "text";
      if (type === "radio" || type === "checkbox") {
        if (attr(el, "checked") !== undefined || (choose && !chosen.has(name))) {
          add(name, attr(el, "value") ?? "on");
          chosen.add(name);
        }
      } else if (type !== "submit" && type !== "button" && type !== "file") add(name, attr(el, "value") ?? "");
    }
  }
  return fields;
}

function linksOf(document: DefaultTreeAdapterMap["document"]): string[] {
  return elements(document)
    .filter((el) => el.tagName === "a")
    .map((el) => attr(el, "href") ?? "")
    .filter((href) => href.startsWith("/") && !href.startsWith("//"))
    .map((href) => href.split("#")[0]!)
    .filter((href) => href && !href.startsWith("/public/") && !/[?&]lang=/.test(href));
}

/** Visits what a user can reach from `start`; every answer is returned, in order. */
export async function crawl(agent: Agent, opts: CrawlOptions): Promise<Visit[]> {
  const visits: Visit[] = [];
  const seen = new Set<string>();
  const shapes = new Map<string, number>();
  const queue = [...opts.start];
  const maxPages = opts.maxPages ?? 400;
  const perShape = opts.perShape ?? 3;
  const skip = (p: string) => p.startsWith("/sign-out") || p.startsWith("/staff/sign-out") || (opts.skip?.(p) ?? false);
  const take = (key: string, s: string) => {
    if (seen.has(key) || (shapes.get(s) ?? 0) >= perShape) return false;
    seen.add(key);
    shapes.set(s, (shapes.get(s) ?? 0) + 1);
    return true;
  };

  const record = (method: Visit["method"], path: string, res: { status: number; headers: Record<string, string>; text?: string }, form?: string): Visit => {
    const html = (res.headers["content-type"] ?? "").startsWith("text/html") && typeof res.text === "string";
    const visit: Visit = { method, path, status: res.status, headers: res.headers, document: html ? parse(res.text!) : undefined, form };
    visits.push(visit);
    return visit;
  };

  while (queue.length > 0 && visits.length < maxPages) {
    const path = queue.shift()!;
    if (skip(path) || !take(`GET ${path}`, `GET ${shape(path)}`)) continue;
    const res = await agent.get(path).redirects(0);
    const visit = record("GET", path, res);
    if (res.status >= 300 && res.status < 400 && res.headers.location?.startsWith("/")) queue.push(res.headers.location);
    if (!visit.document) continue;
    queue.push(...linksOf(visit.document));

    for (const form of elements(visit.document).filter((el) => el.tagName === "form" && (attr(el, "method") ?? "get").toLowerCase() === "post")) {
      const action = attr(form, "action") ?? path;
      if (!action.startsWith("/") || skip(action) || attr(form, "enctype") === "multipart/form-data") continue;
      const hasText = elements(form).some((el) => el.tagName === "textarea");
      const journey = !!opts.journeyPrefix && action.startsWith(opts.journeyPrefix);
      // Too long first (the form comes back with its errors), then the journey's own step.
      for (const choose of [false, true]) {
        if (choose ? !journey : !hasText) continue;
        if (!take(`POST${choose ? "+" : ""} ${action}`, `POST${choose ? "+" : ""} ${shape(action)}`)) continue;
        const sent = await agent.post(action).type("form").send(formFields(form, choose)).redirects(0);
        record("POST", action, sent, action);
        if (sent.status >= 300 && sent.status < 400 && sent.headers.location?.startsWith("/")) queue.push(sent.headers.location);
      }
    }
  }
  return visits;
}
