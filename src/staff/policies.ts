import type { StaffRole } from "../db/schema/index.js";
import { ForbiddenError, NotFoundError } from "../platform/errors.js";

/** A signed-in staff member, as the policies see them. */
export interface StaffActor {
  type: "staff";
  id: string;
  orgId: string;
  role: StaffRole;
  name: string;
  email: string;
}

export type Resource =
  | { kind: "org"; orgId: string }
  | { kind: "request"; orgId: string; type: string; erasureApprovedBy?: string | null }
  | { kind: "conversation"; orgId: string; restrictedAt: Date | null }
  | { kind: "staffMember"; orgId: string; id: string };

const prepares = (a: StaffActor) => a.role === "reviewer" || a.role === "dpo";
const decides = (a: StaffActor) => a.role === "dpo";
const administers = (a: StaffActor) => a.role === "admin";

/** Anything a policy guards: a kind of resource owned by one organization (null: by none). */
type Owned = { kind: string; orgId: string | null };
type Rule<R> = (actor: StaffActor, resource: R) => boolean;

/** Per kind of resource, its actions; each rule sees the resource narrowed to that kind. */
export type RulesByKind<R extends Owned> = { [K in R["kind"]]: Record<string, Rule<Extract<R, { kind: K }>>> };

/**
 * The one shape of every capability's policy: `can` checks the tenant first, then the rule for
 * the action on that kind (an unknown action is refused); `authorize` is the one check per route.
 * Another organization's resource is "not found" (no leak that it exists); a refused action is
 * "forbidden".
 */
export function policy<R extends Owned>(rules: RulesByKind<R>) {
  function can(actor: StaffActor, action: string, resource: R): boolean {
    if (resource.orgId !== actor.orgId) return false;
    // Safe widening: the rules were picked by this resource's own kind. Own keys only, so an
    // action named like an Object.prototype member is unknown, not a rule.
    const ofKind = rules[resource.kind as R["kind"]] as Record<string, Rule<R>>;
    return Object.hasOwn(ofKind, action) ? ofKind[action]!(actor, resource) : false;
  }
  function authorize(actor: StaffActor, action: string, resource: R): void {
    if (resource.orgId !== actor.orgId) throw new NotFoundError(resource.kind);
    if (!can(actor, action, resource)) throw new ForbiddenError(`${resource.kind}.${action}`);
  }
  return { can, authorize };
}

/** Small predicate rules per resource. Tenant isolation is checked for every rule in authorize(). */
const rules: RulesByKind<Resource> = {
  org: {
    viewQueue: prepares,
    viewDashboard: decides,
    exportRegister: decides,
    manageStaff: administers,
    manageSettings: administers,
    /** Everyone may see and set their own account's preferences (language). */
    manageOwnAccount: () => true,
  },
  request: {
    view: prepares,
    assign: prepares,
    note: prepares,
    message: prepares,
    askInfo: prepares,
    startReview: prepares,
    approve: decides,
    reject: decides,
    extend: decides,
    askIdentity: decides,
    /** Four-eyes: a second DPO, never the one who approved. */
    confirmErasure: (a, r) => decides(a) && r.type === "erasure" && !!r.erasureApprovedBy && r.erasureApprovedBy !== a.id,
  },
  conversation: {
    /** Transcripts are opened by the DPO only; restricted conversations likewise (Art. 18). */
    viewTranscript: (a, c) => decides(a) && (c.restrictedAt === null || decides(a)),
  },
  staffMember: {
    changeRole: administers,
    /** An admin never locks themself out; "the last admin" is checked under a lock in the use case. */
    disable: (a, s) => administers(a) && s.id !== a.id,
    enable: administers,
    /** Another member's second factor (a lost phone); their own an admin changes by re-enrolling, not here. */
    resetTotp: (a, s) => administers(a) && s.id !== a.id,
  },
};

export type Action<K extends Resource["kind"]> = keyof (typeof rules)[K] & string;

export const { can, authorize } = policy<Resource>(rules);
