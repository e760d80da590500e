import { z } from "zod";
import { ValidationError, type FieldErrors } from "../errors.js";

/**
 * Parses input with a zod schema. Field errors become i18n keys next to each field: a schema's
 * own message is used when it is a key (starts with "errors." or a capability prefix), otherwise
 * the issue's kind maps to a generic key.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const nul = fieldsWithNul(input);
  if (Object.keys(nul).length > 0) throw new ValidationError(nul);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(toFieldErrors(result.error));
}

export function toFieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".") || "_form";
    if (fields[path]) continue;
    fields[path] = isMessageKey(issue.message) ? issue.message : genericKey(issue);
  }
  return fields;
}

/**
 * Fields holding NUL. No keyboard types one, and PostgreSQL cannot store it in a text column (the
 * insert would fail and the person would see a 500): such a field is refused as malformed, next
 * to the field, like any other value in the wrong format.
 */
function fieldsWithNul(input: unknown, path: string[] = [], into: FieldErrors = {}): FieldErrors {
  if (typeof input === "string") {
    if (input.includes("\u0000")) into[path.join(".") || "_form"] = "platform.errors.format";
  } else if (input && typeof input === "object") {
    for (const [key, value] of Object.entries(input)) fieldsWithNul(value, [...path, key], into);
  }
  return into;
}

function isMessageKey(message: string): boolean {
  return /^[a-z]+\.[\w.]+$/.test(message);
}

function genericKey(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "too_small":
      return issue.minimum === 1 ? "platform.errors.required" : "platform.errors.tooShort";
    case "too_big":
      return "platform.errors.tooLong";
    case "invalid_format":
      return issue.format === "email" ? "platform.errors.email" : "platform.errors.format";
    case "invalid_value":
      return "platform.errors.choose";
    case "invalid_type":
      return issue.input === undefined ? "platform.errors.required" : "platform.errors.format";
    default:
      return "platform.errors.format";
  }
}

/**
 * The most characters each text field of a form takes, read from its zod schema: the one place a
 * limit is written. Views show it in the character count and in the error message.
 */
export function fieldLimits(schema: z.ZodObject): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    let inner: unknown = field;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap();
    if (inner instanceof z.ZodString && inner.maxLength !== null) limits[name] = inner.maxLength;
  }
  return limits;
}

/** CR LF and lone CR become LF: the browser sends CR LF, and counts (and people see) one break. */
export function normalizeLineBreaks(value: string): string {
  return value.replace(/\r\n?/g, "\n");
}
