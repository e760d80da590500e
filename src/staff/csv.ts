import { neutralizeControls } from "../platform/text.js";

/**
 * One CSV cell (RFC 4180), neutralized against formula injection (OWASP "CSV Injection") and
 * against control and bidi override characters (platform/text.ts), which would reorder or break
 * what a spreadsheet shows.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  s = neutralizeControls(s);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
