import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const localesDir = path.join(root, "src/staff/locales");
const viewsDir = path.join(root, "views/staff");

function flatten(prefix: string, value: unknown, into: Map<string, string>): Map<string, string> {
  if (typeof value === "string") into.set(prefix, value);
  else for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, v, into);
  return into;
}
const catalog = (locale: string) => flatten("", JSON.parse(fs.readFileSync(path.join(localesDir, `${locale}.json`), "utf8")), new Map());
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** A view with its EJS tags and comments taken out: what is left is what a person reads as written. */
function literalText(source: string): { text: string[]; attributes: string[] } {
  const noEjs = source.replace(/<%#[\s\S]*?%>/g, "").replace(/<%[\s\S]*?%>/g, "\u0000");
  const attributes = [...noEjs.matchAll(/\b(placeholder|title|aria-label|alt)="([^"]*)"/g)].map((m) => m[2]!).filter((v) => /\p{L}/u.test(v.replace(/\u0000/g, "")));
  const text = noEjs
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]*>/g, "\n")
    .split("\n")
    .map((line) => line.replace(/\u0000/g, "").trim())
    .filter((line) => /\p{L}/u.test(line));
  return { text, attributes };
}

describe("staff area: every label in five languages, none written into a view", () => {
  const en = catalog("en");

  for (const locale of ["fi", "sv", "nl", "et"]) {
    it(`${locale}.json has exactly the keys of en.json, with the same {placeholders}`, () => {
      const other = catalog(locale);
      expect([...other.keys()].sort()).to.deep.equal([...en.keys()].sort());
      const differing = [...en.keys()].filter((k) => placeholders(en.get(k)!).join() !== placeholders(other.get(k)!).join());
      expect(differing, "keys whose placeholders differ").to.deep.equal([]);
      expect([...other.entries()].filter(([, v]) => !v.trim()).map(([k]) => k), "empty translations").to.deep.equal([]);
    });
  }

  it("staff views have no literal user-facing text outside t()", () => {
    const problems: string[] = [];
    for (const file of fs.readdirSync(viewsDir).filter((f) => f.endsWith(".ejs"))) {
      const { text, attributes } = literalText(fs.readFileSync(path.join(viewsDir, file), "utf8"));
      for (const t of text) problems.push(`${file}: text "${t}"`);
      for (const a of attributes) problems.push(`${file}: attribute "${a}"`);
    }
    expect(problems).to.deep.equal([]);
  });

  it("every staff.* key a staff view or staff source file names exists in English", () => {
    const files = [
      ...fs.readdirSync(viewsDir).map((f) => path.join(viewsDir, f)),
      ...fs.readdirSync(path.join(root, "src/staff")).filter((f) => f.endsWith(".ts")).map((f) => path.join(root, "src/staff", f)),
    ];
    const groups = new Set([...en.keys()].flatMap((k) => k.split(".").map((_, i, parts) => parts.slice(0, i + 1).join("."))));
    const missing: string[] = [];
    for (const file of files) {
      const source = fs.readFileSync(file, "utf8");
      for (const m of source.matchAll(/\bt\(\s*["'`]staff\.([\w.]+?)(\.?)["'`]/g)) {
        const key = `staff.${m[1]}`.replace(/^staff\./, "");
        // "staff.roles." + role is a group; "staff.queue.title" a key.
        if (m[2] === "." ? !groups.has(key) : !en.has(key) && !groups.has(key)) missing.push(`${path.relative(root, file)}: staff.${m[1]}${m[2]}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
