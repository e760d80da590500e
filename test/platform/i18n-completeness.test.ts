/**
 * Every user-facing string goes through t(), in all five languages. This test walks every
 * capability's catalogs (src/<capability>/locales), every view (views/**\/*.ejs), the HTML e-mail
 * templates (src/**\/*.html.ejs) and every source file (src/**\/*.ts), and fails on:
 *  - a key missing in one locale of a capability (or a locale file missing);
 *  - a key whose {placeholders} differ between locales (i18n.ts interpolates `{name}`; plurals
 *    and selects are ICU messages, whose arguments count as placeholders);
 *  - an ICU message that does not parse, or a plural without every form its language needs;
 *  - a count written as "conversation(s)" instead of a plural;
 *  - literal user-facing text in a view outside t(): text between tags, and the placeholder,
 *    title, aria-label and alt attributes and the value of submit buttons;
 *  - a t("...") key used in a view or in src that English does not have.
 * Each failure names the file and what to fix.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { formatMessage, supportedLocales, type Locale } from "../../src/platform/i18n.js";
import { placeholders, pluralProblems } from "../support/messages.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const srcDir = path.join(root, "src");
const viewsDir = path.join(root, "views");

/** Text that is allowed to stand in a view untranslated: punctuation and symbols, not words. */
export const allowedLiterals: ReadonlySet<string> = new Set(["·", "→", "←", "–", "—", "|", "/", ":", "(", ")", "×", "…", "%"]);

// --- catalogs ----------------------------------------------------------------------------------

type Flat = Map<string, string>;

function flatten(prefix: string, value: unknown, into: Flat, file: string, problems: string[]): void {
  if (typeof value === "string") {
    into.set(prefix, value);
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push(`${file}: "${prefix}" is neither text nor a group`);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, v, into, file, problems);
}

function walk(dir: string, keep: (file: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : walk(full, keep);
    return keep(full) ? [full] : [];
  });
}

const rel = (file: string) => path.relative(root, file);

interface CapabilityCatalogs {
  capability: string;
  byLocale: Map<string, Flat>;
  problems: string[];
}

/** Every capability with a locales folder, read straight from disk (not through i18n.ts's cache). */
function readCatalogs(): CapabilityCatalogs[] {
  return fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(srcDir, d.name, "locales")))
    .map((d) => {
      const problems: string[] = [];
      const byLocale = new Map<string, Flat>();
      for (const locale of supportedLocales) {
        const file = path.join(srcDir, d.name, "locales", `${locale}.json`);
        if (!fs.existsSync(file)) {
          problems.push(`${rel(file)} is missing`);
          continue;
        }
        const flat: Flat = new Map();
        try {
          flatten("", JSON.parse(fs.readFileSync(file, "utf8")), flat, rel(file), problems);
        } catch (err) {
          problems.push(`${rel(file)} is not valid JSON: ${(err as Error).message}`);
        }
        byLocale.set(locale, flat);
      }
      return { capability: d.name, byLocale, problems };
    });
}

/** All English keys, prefixed with their capability as t() sees them. */
function englishKeys(catalogs: CapabilityCatalogs[]): Set<string> {
  const keys = new Set<string>();
  for (const c of catalogs) for (const key of c.byLocale.get("en")?.keys() ?? []) keys.add(`${c.capability}.${key}`);
  return keys;
}

// --- views -------------------------------------------------------------------------------------

const MARK = "\u0000";

/** A view with its EJS tags replaced by a marker, so only the HTML a translator never sees is left. */
export function stripEjs(source: string): string {
  return source
    .replace(/<%#[\s\S]*?%>/g, "")
    .replace(/<%[\s\S]*?%>/g, MARK)
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, MARK)
    // Commands and machine text people copy as they are (a curl line) are not translated.
    .replace(/<(pre|code|kbd|samp)\b[^>]*>[\s\S]*?<\/\1>/gi, MARK);
}

const hasWords = (text: string) => /\p{L}/u.test(text);
const USER_FACING_ATTRIBUTES = ["placeholder", "title", "aria-label", "alt", "aria-placeholder", "aria-roledescription", "aria-valuetext"];

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return m ? (m[2] ?? m[3] ?? m[4] ?? "") : undefined;
}

/** Literal user-facing text in one view: text nodes and the attributes people read or hear. */
export function literalTextIn(source: string): string[] {
  const html = stripEjs(source);
  const found: string[] = [];
  const report = (raw: string, where: string) => {
    const text = raw.split(MARK).map((s) => s.replace(/&[a-z]+;|&#\d+;/gi, " ").trim()).filter(Boolean);
    for (const piece of text) if (hasWords(piece) && !allowedLiterals.has(piece)) found.push(`${where}: "${piece}"`);
  };
  // Text between tags.
  for (const m of html.matchAll(/>([^<]+)</g)) report(m[1]!, "text");
  const lead = /^([^<]+)</.exec(html);
  if (lead) report(lead[1]!, "text");
  const tail = />([^<>]+)$/.exec(html);
  if (tail) report(tail[1]!, "text");
  // Attributes of each tag.
  for (const m of html.matchAll(/<([a-zA-Z][\w-]*)\b[^>]*>/g)) {
    const tag = m[0];
    for (const name of USER_FACING_ATTRIBUTES) {
      const value = attribute(tag, name);
      if (value !== undefined) report(value, `${name}=`);
    }
    const type = attribute(tag, "type")?.toLowerCase();
    if (m[1]!.toLowerCase() === "input" && (type === "submit" || type === "button" || type === "reset")) {
      const value = attribute(tag, "value");
      if (value !== undefined) report(value, "value=");
    }
  }
  return found;
}

// --- keys used in code -------------------------------------------------------------------------

export interface KeyUse {
  file: string;
  /** A plain key, or a pattern when part of the key is computed. */
  key: string;
  pattern?: RegExp;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The first argument of each t(...) call: string literals, template literals and "a." + x + ".b"
 * concatenations. A computed part becomes a wildcard; a call whose key is wholly computed
 * (t(key)) says nothing and is skipped.
 */
export function keysUsedIn(source: string, file: string): KeyUse[] {
  const uses: KeyUse[] = [];
  for (const m of source.matchAll(/(?<![\w$])(?:req\.|res\.locals\.)?t\(\s*/g)) {
    const parts = firstArgument(source, m.index! + m[0].length);
    if (!parts || !parts.some((p) => p.literal)) continue;
    if (!parts[0]!.literal) continue;
    const literal = parts.every((p) => p.literal);
    const key = parts.map((p) => (p.literal ? p.text : "*")).join("");
    if (!/^[a-z][\w]*\./.test(key)) continue;
    uses.push(literal ? { file, key } : { file, key, pattern: new RegExp(`^${parts.map((p) => (p.literal ? escapeRegExp(p.text) : "[\\w.-]+")).join("")}$`) });
  }
  return uses;
}

type Part = { literal: true; text: string } | { literal: false };

function firstArgument(source: string, start: number): Part[] | undefined {
  const parts: Part[] = [];
  let i = start;
  for (;;) {
    while (/\s/.test(source[i] ?? "")) i++;
    const ch = source[i];
    if (ch === '"' || ch === "'") {
      const end = source.indexOf(ch, i + 1);
      if (end < 0) return undefined;
      parts.push({ literal: true, text: source.slice(i + 1, end) });
      i = end + 1;
    } else if (ch === "`") {
      const end = source.indexOf("`", i + 1);
      if (end < 0) return undefined;
      const body = source.slice(i + 1, end);
      for (const [n, piece] of body.split(/\$\{[^}]*\}/).entries()) {
        if (n > 0) parts.push({ literal: false });
        if (piece) parts.push({ literal: true, text: piece });
      }
      i = end + 1;
    } else {
      // A computed part: up to the next + , or ) at this depth.
      let depth = 0;
      const from = i;
      while (i < source.length) {
        const c = source[i]!;
        if (c === "(" || c === "[" || c === "{") depth++;
        else if (c === ")" || c === "]" || c === "}") {
          if (depth === 0) break;
          depth--;
        } else if ((c === "+" || c === ",") && depth === 0) break;
        else if (c === '"' || c === "'" || c === "`") {
          const end = source.indexOf(c, i + 1);
          if (end < 0) return undefined;
          i = end;
        }
        i++;
      }
      if (i === from) return undefined;
      parts.push({ literal: false });
    }
    while (/\s/.test(source[i] ?? "")) i++;
    if (source[i] === "+") {
      i++;
      continue;
    }
    return parts;
  }
}

/**
 * Field errors and other keys handed to t() later, written as plain strings in src: a literal like
 * "identity.errors.codeWrong" (a capability, a group that English has, and a name).
 */
function deferredKeysIn(source: string, file: string, groups: Set<string>): KeyUse[] {
  const uses: KeyUse[] = [];
  for (const m of source.matchAll(/["'`]([a-z]\w*\.[A-Za-z]\w*(?:\.[A-Za-z]\w*)+)["'`]/g)) {
    const key = m[1]!;
    const group = key.split(".").slice(0, 2).join(".");
    if (group.endsWith(".errors") && groups.has(group)) uses.push({ file, key });
  }
  return uses;
}

// --- the checks --------------------------------------------------------------------------------

const catalogs = readCatalogs();
const views = walk(viewsDir, (f) => f.endsWith(".ejs"));
const mailViews = walk(srcDir, (f) => f.endsWith(".html.ejs"));
const sources = walk(srcDir, (f) => (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.endsWith(".ejs"));

/** "fi.json lacks 3 keys: a, b, c" — long lists cut short so the report stays readable. */
function listOf(items: string[], max = 25): string {
  return items.length > max ? `${items.slice(0, max).join(", ")} … and ${items.length - max} more` : items.join(", ");
}

describe("i18n completeness", () => {
  it("finds the catalogs, views and sources it checks", () => {
    expect(catalogs.map((c) => c.capability)).to.include.members(["platform", "identity", "requests", "exports"]);
    expect(views.length).to.be.greaterThan(10);
    expect(sources.length).to.be.greaterThan(50);
  });

  for (const c of catalogs) {
    describe(`src/${c.capability}/locales`, () => {
      it("has every key in all five languages", () => {
        const problems = [...c.problems];
        const all = new Set([...c.byLocale.values()].flatMap((flat) => [...flat.keys()]));
        for (const [locale, flat] of c.byLocale) {
          const missing = [...all].filter((k) => !flat.has(k));
          if (missing.length) problems.push(`${locale}.json lacks ${missing.length} keys: ${listOf(missing.map((k) => `${c.capability}.${k}`))}`);
        }
        expect(problems, problems.join("\n")).to.deep.equal([]);
      });

      it("uses the same {placeholders} in every language", () => {
        const en = c.byLocale.get("en") ?? new Map<string, string>();
        const problems: string[] = [];
        for (const [key, text] of en) {
          const want = placeholders(text).join(",");
          for (const [locale, flat] of c.byLocale) {
            const other = flat.get(key);
            if (other === undefined || locale === "en") continue;
            const got = placeholders(other).join(",");
            if (got !== want) problems.push(`${c.capability}.${key}: en has {${want}}, ${locale} has {${got}}`);
          }
        }
        expect(problems, problems.join("\n")).to.deep.equal([]);
      });

      it("writes counts as plurals with every form each language needs", () => {
        const problems: string[] = [];
        for (const [locale, flat] of c.byLocale) {
          for (const [key, text] of flat) for (const p of pluralProblems(text, locale as Locale)) problems.push(`${locale}: ${c.capability}.${key} ${p}`);
        }
        expect(problems, problems.join("\n")).to.deep.equal([]);
      });

      it("has no empty translations", () => {
        const problems: string[] = [];
        for (const [locale, flat] of c.byLocale) for (const [key, text] of flat) if (!text.trim()) problems.push(`${locale}: ${c.capability}.${key}`);
        expect(problems, problems.join("\n")).to.deep.equal([]);
      });
    });
  }

  describe("views hold no literal user-facing text", () => {
    for (const file of [...views, ...mailViews]) {
      it(rel(file), () => {
        const found = literalTextIn(fs.readFileSync(file, "utf8"));
        expect(found, `${rel(file)} has text outside t():\n${found.join("\n")}`).to.deep.equal([]);
      });
    }
  });

  describe("every key used exists in English", () => {
    const en = englishKeys(catalogs);
    const groups = new Set([...en].map((k) => k.split(".").slice(0, 2).join(".")));
    const missingIn = (files: string[], deferred: boolean) => {
      const missing: string[] = [];
      for (const file of files) {
        const source = fs.readFileSync(file, "utf8");
        const uses = [...keysUsedIn(source, rel(file)), ...(deferred ? deferredKeysIn(source, rel(file), groups) : [])];
        for (const use of uses) {
          const ok = use.pattern ? [...en].some((k) => use.pattern!.test(k)) : en.has(use.key);
          if (!ok) missing.push(`${use.file}: ${use.key}`);
        }
      }
      return [...new Set(missing)];
    };
    it("in views", () => {
      const missing = missingIn(views, false);
      expect(missing, missing.join("\n")).to.deep.equal([]);
    });
    it("in src", () => {
      const missing = missingIn(sources, true);
      expect(missing, missing.join("\n")).to.deep.equal([]);
    });
  });
});

describe("i18n completeness checks themselves", () => {
  it("flags text nodes and user-facing attributes, not EJS output", () => {
    const view = `<h1><%= t("a.b") %></h1>\n<p>Hello <%= name %></p>\n<input type="submit" value="Send">\n<img alt="logo" src="x">\n<a title="<%= t('x.y') %>" href="/">·</a>\n<%# a comment with words %>`;
    expect(literalTextIn(view)).to.deep.equal(['text: "Hello"', 'value=: "Send"', 'alt=: "logo"']);
  });

  it("reads literal, template and concatenated keys", () => {
    const uses = keysUsedIn(`t("a.b.c"); req.t(\`x.\${y}.title\`, {}); t("requests.types." + type + ".label"); t(key); format("z.q")`, "f");
    expect(uses.map((u) => u.key)).to.deep.equal(["a.b.c", "x.*.title", "requests.types.*.label"]);
    expect(uses[1]!.pattern!.test("x.not_found.title")).to.equal(true);
  });

  it("compares placeholders by name", () => {
    expect(placeholders("Hi {name}, {count} {name}")).to.deep.equal(["count", "name"]);
    expect(placeholders("{who} has {n, plural, one {# note by {author}} other {# notes}}")).to.deep.equal(["author", "n", "who"]);
  });

  it("finds a plural without a form its language needs, a broken one and a bracketed count", () => {
    expect(pluralProblems("{n, plural, one {# viesti} other {# viestiä}}", "fi")).to.deep.equal([]);
    expect(pluralProblems("{n, plural, other {# viestiä}}", "fi")).to.deep.equal(["{n} lacks the forms one"]);
    expect(pluralProblems("{n, plural, one {# message} other {# messages}", "en")[0]).to.match(/does not parse/);
    expect(pluralProblems("{n} conversation(s)", "en")).to.have.length(1);
    expect(pluralProblems("{n} gesprek(ken)", "nl")).to.have.length(1);
    expect(pluralProblems("GDPR Article 15(4) (DPO)", "en")).to.deep.equal([]);
  });

  it("formats plurals by each language's rules, numbers included", () => {
    const msg = "{n, plural, one {# viesti} other {# viestiä}}";
    expect(formatMessage(msg, "fi", { n: 1 })).to.equal("1 viesti");
    expect(formatMessage(msg, "fi", { n: 2 })).to.equal("2 viestiä");
    expect(formatMessage("{n, plural, one {# message} other {# messages}} from {who}", "en", { n: 0, who: "<b>" })).to.equal("0 messages from <b>");
    expect(formatMessage("Hello {name}, {missing}", "en", { name: "Ada" })).to.equal("Hello Ada, {missing}");
  });
});
