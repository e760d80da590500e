import { expect } from "chai";
import { errorCodes } from "../../src/platform/errors.js";
import { loadCatalogs, supportedLocales } from "../../src/platform/i18n.js";

/** The error codes are a closed set: each one has a page title and message in every language. */
export function missingErrorKeys(codes: readonly string[]): string[] {
  const catalogs = loadCatalogs();
  const missing: string[] = [];
  for (const locale of supportedLocales) {
    for (const code of codes) {
      for (const part of ["title", "message"]) {
        const key = `platform.errors.${code}.${part}`;
        if (!catalogs[locale].get(key)?.trim()) missing.push(`${locale}: ${key}`);
      }
    }
  }
  return missing;
}

describe("error codes", () => {
  it("every code has a title and a message in en, fi, sv, nl and et", () => {
    expect(missingErrorKeys(errorCodes)).to.deep.equal([]);
  });

  it("a code without its keys is found (the check can fail)", () => {
    expect(missingErrorKeys(["no_such_code"])).to.have.length(10);
  });

  it("codes are unique and snake_case", () => {
    expect(new Set(errorCodes).size).to.equal(errorCodes.length);
    for (const code of errorCodes) expect(code).to.match(/^[a-z]+(_[a-z]+)*$/);
  });
});
