/**
 * Text on its way out. Chat text is hostile input wherever it is rendered: every place it becomes
 * HTML, PDF, CSV or a file name passes it through neutralizeControls (escapeHtml does so itself,
 * and is what the page templates escape with).
 *
 * Neutralized: the C0 controls except tab and line feed (NUL, BEL, ESC of terminal escape codes…),
 * DEL and the C1 controls (U+0080–U+009F), and the bidirectional embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069). Those last ones reorder what follows them on screen:
 * U+202E before "txt.exe" makes it read "exe.txt", a transcript line can appear to say the
 * opposite of what was sent, and an unclosed one spills into the text around it (a CSV cell, a
 * file name, the next field of a page). CR LF and lone CR become LF, which is how every output
 * breaks lines.
 *
 * Each one is replaced by U+FFFD "�", not removed: a transcript that may become evidence should
 * show that the sender typed something that cannot be shown, rather than silently close the gap
 * (which could also join two words into one). The JSON files of an access package keep the text
 * exactly as stored: they are the data itself, where JSON escapes the C0 controls.
 *
 * Kept: the left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C). They
 * are zero-width marks, not overrides: they only settle the direction of the neutral characters
 * next to them and cannot reverse a run of letters, and writers of Arabic, Persian or Hebrew need
 * them to place punctuation right.
 */
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const CARRIAGE_RETURN = /\r\n?/g;

export const CONTROL_MARKER = "\uFFFD";

export function neutralizeControls(text: string, marker: string = CONTROL_MARKER): string {
  return text.replace(CARRIAGE_RETURN, "\n").replace(CONTROLS, marker);
}

/**
 * A file name (ZIP entry, Content-Disposition) without controls, tabs or line breaks: "_" in their
 * place, as a file system or a download dialog would show nothing sensible for either.
 */
export function safeFileName(name: string): string {
  return neutralizeControls(name, "_").replace(/[\t\n]/g, "_");
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * For text placed in element content or double/single-quoted attributes: controls neutralized,
 * then the five HTML-significant characters escaped. Written here instead of importing
 * `escape-html`: that package is only a transitive dependency of express and ships no types.
 */
/** Anything escapeHtml would change; most chat text has none, and one test is cheaper than two replaces. */
const NEEDS_ESCAPING = new RegExp(`[&<>"'\r${CONTROLS.source.slice(1, -1)}]`);

export function escapeHtml(value: string): string {
  if (!NEEDS_ESCAPING.test(value)) return value;
  return neutralizeControls(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** EJS's escape function (`<%= %>`): like its own, undefined and null print nothing. */
export function escapeTemplateValue(value: unknown): string {
  return value === undefined || value === null ? "" : escapeHtml(String(value));
}
