import { insertSubject, subjectById } from "../../src/chats/subject-store.js";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { auditLog, subjects } from "../../src/db/schema/index.js";
import { markRequesterVerified, type StaffActor } from "../../src/identity/staff-verify-requester.js";
import { sendEmailCode } from "../../src/identity/send-email-code.js";
import { signInWithPassword } from "../../src/identity/sign-in-with-password.js";
import { safeNext } from "../../src/identity/safe-next.js";
import { isEmailCodeShape, newEmailCode, normalizeEmailCode } from "../../src/identity/email-codes.js";
import { atLeast } from "../../src/identity/guards.js";
import { PASSWORD_MIN_LENGTH } from "../../src/identity/reset-password.js";
import { NotFoundError, ValidationError } from "../../src/platform/errors.js";
import { verifyAuditChain } from "../../src/platform/audit.js";
import { freshContext, type TestContext } from "../support/context.js";
import { makeOrg, makeStaff, makeSubject, TEST_PASSWORD } from "../support/factories.js";

describe("identity: staff verification", () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await freshContext();
  });

  async function staffActor(orgId: string): Promise<StaffActor> {
    const staff = await makeStaff(ctx, orgId, "dpo");
    return { type: "staff", id: staff.id, role: staff.role, orgId };
  }

  it("marks a requester verified with a note (no document), audits it, and raises later sessions to staff_verified", async () => {
    const org = await makeOrg(ctx);
    const subject = await makeSubject(ctx, org.id);
    const actor = await staffActor(org.id);
    const result = await ctx.db.transaction((tx) => markRequesterVerified(ctx, tx, actor, { subjectId: subject.id, note: "  Called back on the number in the chat account  " }));
    expect(result.subjectId).to.equal(subject.id);
    const row = await subjectById(ctx.db, ctx.keys, subject.id);
    expect(row!.staffVerifiedAt!.toISOString()).to.equal(ctx.clock.now().toISOString());
    expect(row!.staffVerifiedNote).to.equal("Called back on the number in the chat account");
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, "identity.requester.staff_verified"));
    expect(entry).to.deep.include({ actorType: "staff", actorId: actor.id, actorRole: "dpo", subjectId: subject.id, targetId: subject.id });
    expect(entry!.details).to.deep.equal({ documentStored: false, noteLength: "Called back on the number in the chat account".length });

    const signIn = await signInWithPassword(ctx, { org, email: subject.email!, password: TEST_PASSWORD });
    expect(signIn.ok && signIn.session.assurance).to.equal("staff_verified");
  });

  it("refuses an empty note, another organization's subject and a malformed id — and rolls back", async () => {
    const org = await makeOrg(ctx);
    const other = await makeOrg(ctx);
    const subject = await makeSubject(ctx, other.id);
    const actor = await staffActor(org.id);
    const attempt = async (subjectId: string, note: string) => {
      try {
        await ctx.db.transaction((tx) => markRequesterVerified(ctx, tx, actor, { subjectId, note }));
        return undefined;
      } catch (err) {
        return err;
      }
    };
    expect(await attempt(subject.id, "   ")).to.be.instanceOf(ValidationError);
    expect(await attempt(subject.id, "checked")).to.be.instanceOf(NotFoundError);
    expect(await attempt("not-a-uuid", "checked")).to.be.instanceOf(NotFoundError);
    const row = await subjectById(ctx.db, ctx.keys, subject.id);
    expect(row!.staffVerifiedAt).to.equal(null);
    expect(await ctx.db.select().from(auditLog)).to.have.length(0);
  });

  it("keeps the audit chain intact through sign-in events", async () => {
    const org = await makeOrg(ctx);
    const subject = await makeSubject(ctx, org.id);
    await signInWithPassword(ctx, { org, email: subject.email!, password: "nope", ip: "203.0.113.9" });
    await signInWithPassword(ctx, { org, email: subject.email!, password: TEST_PASSWORD, ip: "203.0.113.9" });
    await sendEmailCode(ctx, { org, email: "x@example.test", locale: "en", ip: "2001:db8::1" });
    expect(await verifyAuditChain(ctx.db)).to.deep.equal({ ok: true, checked: 3 });
    const dump = JSON.stringify(await ctx.db.select().from(auditLog));
    for (const secret of ["203.0.113.9", "2001:db8::1", "x@example.test", subject.email!, TEST_PASSWORD]) expect(dump).not.to.include(secret);
  });
});

describe("identity: small parts", () => {
  it("safeNext keeps same-site paths only", () => {
    expect(safeNext("/requests/RD-1?x=1#m")).to.equal("/requests/RD-1?x=1#m");
    expect(safeNext("/")).to.equal("/");
    for (const bad of [undefined, "", "requests", "//evil.example", "/\\evil.example", "https://evil.example/x", "javascript:alert(1)", "/x\nLocation: y", "/%0d%0a", "/sign-in?next=/x", "/password-reset/abc", ["/a"], "/" + "a".repeat(600)]) {
      // "/%0d%0a" too: decoded first, it holds control characters, so it is no path of ours.
      expect(safeNext(bad), String(bad)).to.equal("/requests");
    }
  });

  it("e-mail codes are 8 random digits and accept spaces and dashes", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = newEmailCode();
      expect(code).to.match(/^\d{8}$/);
      seen.add(code);
    }
    expect(seen.size).to.be.greaterThan(195);
    expect(normalizeEmailCode("1234 5678")).to.equal("12345678");
    expect(isEmailCodeShape(" 1234-5678 ")).to.equal(true);
    expect(isEmailCodeShape("1234567")).to.equal(false);
    expect(isEmailCodeShape("1234567a")).to.equal(false);
  });

  it("orders assurance levels receipt < email < account < staff_verified", () => {
    expect(atLeast("account", "email")).to.equal(true);
    expect(atLeast("receipt", "email")).to.equal(false);
    expect(atLeast("staff_verified", "account")).to.equal(true);
  });

  it("has the same keys and placeholders in all five identity and password-reset mail catalogs", () => {
    const flat = (o: Record<string, unknown>, p = ""): [string, string][] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === "string" ? [[p + k, v] as [string, string]] : flat(v as Record<string, unknown>, `${p}${k}.`)));
    const load = (file: string) => Object.fromEntries(flat(JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>));
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(",");
    for (const [dir, prefix] of [["src/identity/locales", ""], ["src/mail/locales", "password_reset."]] as const) {
      const en = load(path.join(dir, "en.json"));
      const keys = Object.keys(en).filter((k) => k.startsWith(prefix)).sort();
      expect(keys.length).to.be.greaterThan(5);
      for (const lang of ["fi", "sv", "nl", "et"]) {
        const other = load(path.join(dir, `${lang}.json`));
        for (const key of keys) {
          expect(other[key], `${dir} ${lang} ${key}`).to.be.a("string").and.not.equal("");
          expect(placeholders(other[key]!), `${lang} ${key}`).to.equal(placeholders(en[key]!));
        }
        if (!prefix) expect(Object.keys(other).sort()).to.deep.equal(keys);
      }
    }
    // The minimum length in the error message is the one the code enforces.
    for (const lang of ["en", "fi", "sv", "nl", "et"]) {
      const catalog = load(`src/identity/locales/${lang}.json`);
      expect(catalog["errors.newPasswordShort"]).to.include(String(PASSWORD_MIN_LENGTH));
    }
  });
});
