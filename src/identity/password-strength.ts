import { createRequire } from "node:module";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { ValidationError } from "../platform/errors.js";

/**
 * New passwords are judged by zxcvbn-ts: common and breached passwords (language-common's list
 * comes from real leaks), dictionary words, names, keyboard walks, dates, repeats and l33t
 * variants of all of these, plus the person's own e-mail address and the organization's name.
 * There are word lists for English, Finnish and Dutch; Swedish and Estonian have none on the
 * registry, so words of those languages count only as ordinary letters.
 */

/** zxcvbn's score 3 means "safely unguessable: moderate protection from an offline attack" (~10^8 guesses and up). */
export const MIN_PASSWORD_SCORE = 3;

/** The fi and nl packages (v3) name their lists without a language; keep each list apart. */
const suffixed = (lists: Record<string, string[]>, lang: string) =>
  Object.fromEntries(Object.entries(lists).map(([name, words]) => [name.endsWith(`-${lang}`) ? name : `${name}-${lang}`, words]));

/**
 * The word lists are some 25 MB of memory and most of a second to load, and only a password
 * change needs them: they are read (synchronously, through the packages' CommonJS builds) the
 * first time one is judged, not when the portal starts.
 */
const require = createRequire(import.meta.url);

let factory: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  if (factory) return factory;
  const common = require("@zxcvbn-ts/language-common") as typeof import("@zxcvbn-ts/language-common");
  const en = require("@zxcvbn-ts/language-en") as typeof import("@zxcvbn-ts/language-en");
  const fi = require("@zxcvbn-ts/language-fi") as typeof import("@zxcvbn-ts/language-fi");
  const nl = require("@zxcvbn-ts/language-nl-be") as typeof import("@zxcvbn-ts/language-nl-be");
  factory = new ZxcvbnFactory({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary, ...suffixed(fi.dictionary, "fi"), ...suffixed(nl.dictionary, "nl") },
    // Levenshtein matching of the whole password costs ~0.5 s of CPU per check here (it blocks
    // the event loop); l33t, reversed and dictionary matching already catch "P@ssw0rd2024!".
    useLevenshteinDistance: false,
  });
  return factory;
}

/**
 * The words a password must not be built from: the e-mail address (whole, its local part and
 * each part of it split at dots, dashes and the like, and the domain's labels) and the
 * organization's name (whole and word by word).
 */
export function personalWords(email: string | null | undefined, orgName: string | null | undefined): string[] {
  const words = new Set<string>();
  const add = (w: string) => { const v = w.trim().toLowerCase(); if (v.length >= 3) words.add(v); };
  if (email) {
    add(email);
    const [local = "", domain = ""] = email.split("@");
    add(local);
    for (const part of local.split(/[^\p{L}\p{N}]+/u)) add(part);
    for (const label of domain.split(".").slice(0, -1)) add(label);
  }
  if (orgName) {
    add(orgName);
    add(orgName.replace(/[^\p{L}\p{N}]+/gu, ""));
    for (const part of orgName.split(/[^\p{L}\p{N}]+/u)) add(part);
  }
  return [...words];
}

export type PasswordProblem = "weak" | "personal";

/** How many characters of the password are covered by the personal words (case-insensitive). */
function personalCoverage(password: string, words: string[]): number {
  const lower = password.toLowerCase();
  const covered = new Array<boolean>(lower.length).fill(false);
  for (const word of words) {
    for (let at = lower.indexOf(word); at !== -1; at = lower.indexOf(word, at + 1)) covered.fill(true, at, at + word.length);
  }
  return covered.filter(Boolean).length;
}

/**
 * Why a new password is refused, or undefined when it is strong enough. "personal": it is built
 * from the e-mail address or the organization's name (they make up a third of it or more, or it
 * is weak and contains one of them); "weak": easy to guess otherwise. zxcvbn sees the personal
 * words too, so "tukilinja2024" scores as the guess it is.
 */
export function passwordProblem(password: string, personal: string[]): PasswordProblem | undefined {
  const { score } = zxcvbn().check(password, personal);
  const covered = personalCoverage(password, personal);
  if (covered * 3 >= password.length || (covered > 0 && score < MIN_PASSWORD_SCORE)) return "personal";
  return score < MIN_PASSWORD_SCORE ? "weak" : undefined;
}

/** The i18n key of the field error for a refused password. */
export const passwordProblemMessage: Record<PasswordProblem, string> = {
  weak: "identity.errors.newPasswordWeak",
  personal: "identity.errors.newPasswordPersonal",
};

/** Refuses a new password that is easy to guess, with a field error saying what to do instead. */
export function assertStrongPassword(password: string, who: { email: string | null | undefined; orgName: string | null | undefined }): void {
  const problem = passwordProblem(password, personalWords(who.email, who.orgName));
  if (problem) throw new ValidationError({ password: passwordProblemMessage[problem] });
}
