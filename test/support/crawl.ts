/**
 * A crawler over HTTP for tests that hold every page to a rule: it follows the links a user sees
 * (GET), sends the forms that cannot change anything (every text area too long, so each comes
 * back with its errors) and, under a prefix it is given, the forms of a guided journey (a short
 * text and the first choice of each question). Each answer is kept with its headers, and each HTML page parsed with
 * parse5, so the checks read the document a browser builds.
 */
import { parse, type DefaultTreeAdapterMap } from "parse5";

/** A page parsed the way a browser parses it. */
export const parseHtml = (html: string) => parse(html);
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
  // A browser sends the button it was submitted with: the first one, as if it were clicked
  // (the language switch's buttons carry the language chosen).
  let submitted = false;
  for (const el of elements(form)) {
    const name = attr(el, "name");
    if (!name) continue;
    const isSubmit = (el.tagName === "button" && (attr(el, "type") ?? "submit") === "submit") || (el.tagName === "input" && attr(el, "type") === "submit");
    if (isSubmit) {
      if (!submitted) add(name, attr(el, "value") ?? "");
      submitted = true;
      continue;
    }
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

/** Controls a person fills in or chooses; hidden fields and buttons need no label. */
function needsLabel(el: Element): boolean {
  if (el.tagName === "select" || el.tagName === "textarea") return true;
  if (el.tagName !== "input") return false;
  return !["hidden", "submit", "button", "reset", "image"].includes(attr(el, "type") ?? "text");
}
const LABELABLE = new Set(["input", "select", "textarea", "button", "meter", "output", "progress"]);

/** What is wrong with one page's ids and labels; empty when nothing is. */
export function idProblems(visit: Pick<Visit, "document" | "form">): string[] {
  const all = elements(visit.document!);
  const problems: string[] = [];
  const byId = new Map<string, Element[]>();
  for (const el of all) {
    const id = attr(el, "id");
    if (id !== undefined) byId.set(id, [...(byId.get(id) ?? []), el]);
  }
  for (const [id, els] of byId) if (els.length > 1) problems.push(`id "${id}" on ${els.length} elements (${els.map((e) => e.tagName).join(", ")})`);

  const labels = all.filter((el) => el.tagName === "label");
  const labelFor = new Map<string, number>();
  for (const label of labels) {
    const target = attr(label, "for");
    if (target === undefined) continue;
    labelFor.set(target, (labelFor.get(target) ?? 0) + 1);
    const controls = byId.get(target) ?? [];
    if (controls.length === 0) problems.push(`label for "${target}": no such id`);
    else if (!LABELABLE.has(controls[0]!.tagName)) problems.push(`label for "${target}": points at a <${controls[0]!.tagName}>`);
  }
  for (const [target, n] of labelFor) if (n > 1) problems.push(`id "${target}" has ${n} labels`);

  for (const el of all.filter(needsLabel)) {
    const id = attr(el, "id");
    const labelled = (id !== undefined && labelFor.has(id)) || ancestors(el).some((a) => a.tagName === "label");
    if (!labelled) problems.push(`<${el.tagName} name="${attr(el, "name") ?? ""}"> has no label`);
  }

  for (const el of all) {
    for (const refs of ["aria-describedby", "aria-labelledby"]) {
      for (const ref of (attr(el, refs) ?? "").split(/\s+/).filter(Boolean)) if (!byId.has(ref)) problems.push(`${refs} "${ref}": no such id`);
    }
  }

  // An error summary's links lead to the field of the form that was sent, not to a namesake.
  const summaryLinks = all.filter((el) => el.tagName === "a" && (attr(el, "href") ?? "").startsWith("#") && ancestors(el).some((a) => (attr(a, "class") ?? "").split(" ").includes("error-summary")));
  for (const link of summaryLinks) {
    const id = attr(link, "href")!.slice(1);
    const target = byId.get(id)?.[0];
    if (!target) problems.push(`error link "#${id}": no such id`);
    else if (visit.form && id !== "main" && !ancestors(target).some((a) => a.tagName === "form" && attr(a, "action") === visit.form)) {
      problems.push(`error link "#${id}" leads outside the form sent to ${visit.form}`);
    }
  }
  return problems;
}
