/**
 * Text on its way out: HTML escaping for what the app writes into pages and documents itself.
 * Written here instead of importing `escape-html`: that package is only a transitive dependency
 * of express (not in package.json) and ships no types.
 */
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** For text placed in element content or double/single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}
