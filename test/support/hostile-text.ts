/** Every character that must never reach an output as it is (what the tests hide in chat text). */
export const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** Hostile chat text: NUL, a terminal colour code, C1 NEL, every bidi embedding, override and isolate. */
export const HOSTILE = "pay\u0000me \u001b[31mnow\u0085 \u202Aa\u202Bb\u202Cc\u202Dd\u202Eevil.exe \u2066e\u2067f\u2068g\u2069 end";

/** The same without NUL, which PostgreSQL refuses in a text column (topics, staff names are not encrypted). */
export const HOSTILE_NO_NUL = HOSTILE.replace("\u0000", "");
