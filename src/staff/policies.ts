import { isSecondDpo, policy, roles, type RulesByKind } from "../platform/policy.js";

export type Resource =
  | { kind: "org"; orgId: string }
  | { kind: "request"; orgId: string; type: string; erasureApprovedBy?: string | null }
  | { kind: "conversation"; orgId: string; restrictedAt: Date | null }
  | { kind: "staffMember"; orgId: string; id: string };

/** Small predicate rules per resource. Tenant isolation is checked for every rule in authorize(). */
const rules = {
  org: {
    viewQueue: roles.prepares,
    /** Picking several requests on the queue and assigning them at once (each is checked again as it is assigned). */
    assignFromQueue: roles.prepares,
    viewDashboard: roles.decides,
    exportRegister: roles.decides,
    manageStaff: roles.administers,
    /** Everyone may see and set their own account's preferences (language). */
    manageOwnAccount: roles.anyone,
  },
  request: {
    view: roles.prepares,
    assign: roles.prepares,
    note: roles.prepares,
    message: roles.prepares,
    askInfo: roles.prepares,
    startReview: roles.prepares,
    approve: roles.decides,
    reject: roles.decides,
    extend: roles.decides,
    askIdentity: roles.decides,
    /** An out-of-band identity check raises the assurance every decision relies on: the DPO's call. */
    checkIdentity: roles.decides,
    /** Four-eyes: a second DPO, never the one who approved. */
    confirmErasure: (a, r) => r.type === "erasure" && isSecondDpo(a, r.erasureApprovedBy),
  },
  conversation: {
    /** Transcripts are opened by the DPO only; restricted conversations likewise (Art. 18). */
    viewTranscript: (a) => roles.decides(a),
  },
  staffMember: {
    changeRole: roles.administers,
    /** An admin never locks themself out; "the last admin" is checked under a lock in the use case. */
    disable: (a, s) => roles.administers(a) && s.id !== a.id,
    enable: roles.administers,
    /** Another member's second factor (a lost phone); their own an admin changes by re-enrolling, not here. */
    resetTotp: (a, s) => roles.administers(a) && s.id !== a.id,
  },
} satisfies RulesByKind<Resource>;

export type Action<K extends Resource["kind"]> = keyof (typeof rules)[K] & string;

export const staffPolicy = policy<Resource, typeof rules>(rules);
export const { can, authorize } = staffPolicy;
