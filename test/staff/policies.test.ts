import { expect } from "chai";
import { authorize, can } from "../../src/staff/policies.js";
import type { StaffActor } from "../../src/platform/policy.js";
import { ForbiddenError, NotFoundError } from "../../src/platform/errors.js";

const actor = (role: StaffActor["role"], id = "s1"): StaffActor => ({ type: "staff", id, orgId: "A", role, name: "n", email: "e" });
const req = (over: Partial<{ orgId: string; type: string; erasureApprovedBy: string | null }> = {}) => ({ kind: "request" as const, orgId: "A", type: "access", ...over });

describe("staff policies", () => {
  it("reviewers prepare, DPOs decide, admins manage staff", () => {
    expect(can(actor("reviewer"), "view", req())).to.equal(true);
    expect(can(actor("reviewer"), "approve", req())).to.equal(false);
    expect(can(actor("dpo"), "approve", req())).to.equal(true);
    expect(can(actor("admin"), "view", req())).to.equal(false);
    expect(can(actor("admin"), "manageStaff", { kind: "org", orgId: "A" })).to.equal(true);
    expect(can(actor("dpo"), "manageStaff", { kind: "org", orgId: "A" })).to.equal(false);
    expect(can(actor("reviewer"), "viewTranscript", { kind: "conversation", orgId: "A", restrictedAt: null })).to.equal(false);
    expect(can(actor("dpo"), "viewTranscript", { kind: "conversation", orgId: "A", restrictedAt: new Date() })).to.equal(true);
  });
  it("another organization's resource is not found, for every role", () => {
    for (const role of ["reviewer", "dpo", "admin"] as const) {
      expect(() => authorize(actor(role), "view", req({ orgId: "B" }))).to.throw(NotFoundError);
    }
    expect(() => authorize(actor("reviewer"), "reject", req())).to.throw(ForbiddenError);
    expect(() => authorize(actor("dpo"), "noSuchAction" as never, req())).to.throw(ForbiddenError);
  });
  it("only an admin resets a member's two-factor, never their own, never in another organization", () => {
    const member = (id: string, orgId = "A") => ({ kind: "staffMember" as const, orgId, id });
    expect(can(actor("admin", "s1"), "resetTotp", member("s2"))).to.equal(true);
    expect(can(actor("admin", "s1"), "resetTotp", member("s1"))).to.equal(false);
    expect(can(actor("dpo", "s1"), "resetTotp", member("s2"))).to.equal(false);
    expect(can(actor("reviewer", "s1"), "resetTotp", member("s2"))).to.equal(false);
    expect(() => authorize(actor("admin", "s1"), "resetTotp", member("s2", "B"))).to.throw(NotFoundError);
  });
  it("four-eyes: the approver cannot confirm an erasure", () => {
    const r = req({ type: "erasure", erasureApprovedBy: "s1" });
    expect(can(actor("dpo", "s1"), "confirmErasure", r)).to.equal(false);
    expect(can(actor("dpo", "s2"), "confirmErasure", r)).to.equal(true);
    expect(can(actor("reviewer", "s2"), "confirmErasure", r)).to.equal(false);
  });
});
