/**
 * HTML escaping for text placed in element content or double/single-quoted attributes.
 * Written here instead of importing `escape-html`: that package is only a transitive
 * dependency of express (not in package.json) and ships no types.
 */
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}
