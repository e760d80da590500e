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

type Rule<R> = (actor: StaffActor, resource: R) => boolean;
type RulesFor<K extends Resource["kind"]> = Record<string, Rule<Extract<Resource, { kind: K }>>>;

/** Small predicate rules per resource. Tenant isolation is checked for every rule in authorize(). */
const rules: { [K in Resource["kind"]]: RulesFor<K> } = {
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
  },
};

export type Action<K extends Resource["kind"]> = keyof (typeof rules)[K] & string;

export function can(actor: StaffActor, action: string, resource: Resource): boolean {
  if (resource.orgId !== actor.orgId) return false;
  const rule = (rules[resource.kind] as Record<string, Rule<Resource>>)[action];
  return rule ? rule(actor, resource) : false;
}

/**
 * The one authorization check per route. Another organization's resource is "not found" (no
 * leak that it exists); a known action the role may not take is "forbidden".
 */
export function authorize(actor: StaffActor, action: string, resource: Resource): void {
  if (resource.orgId !== actor.orgId) throw new NotFoundError(resource.kind);
  if (!can(actor, action, resource)) throw new ForbiddenError(`${resource.kind}.${action}`);
}
