import type { StaffRole } from "../db/schema/index.js";
import { ForbiddenError, NotFoundError } from "./errors.js";

/** A signed-in staff member, as the policies see them. */
export interface StaffActor {
  type: "staff";
  id: string;
  orgId: string;
  role: StaffRole;
  name: string;
  email: string;
}

/**
 * What each role is for, defined once; every capability's rules are built from these.
 * Reviewers prepare cases, the DPO decides and oversees, admins run the organization's settings.
 */
export const roles = {
  prepares: (a: StaffActor) => a.role === "reviewer" || a.role === "dpo",
  decides: (a: StaffActor) => a.role === "dpo",
  administers: (a: StaffActor) => a.role === "admin",
  oversees: (a: StaffActor) => a.role === "dpo" || a.role === "admin",
  anyone: (_a: StaffActor) => true,
} as const;

/**
 * Four eyes: the second person must be a DPO other than the one who took the first step (an
 * erasure's approval). Nobody confirms their own approval, and nothing is confirmed twice.
 */
export function isSecondDpo(actor: Pick<StaffActor, "id" | "role">, firstBy: string | null | undefined): boolean {
  return actor.role === "dpo" && !!firstBy && firstBy !== actor.id;
}

/** Two different people took both steps: what a carried-out erasure must show. */
export function fourEyesComplete(firstBy: string | null | undefined, secondBy: string | null | undefined): boolean {
  return !!firstBy && !!secondBy && firstBy !== secondBy;
}

/** Anything a policy guards: a kind of resource owned by one organization (null: by none). */
export type Owned = { kind: string; orgId: string | null };
export type Rule<R> = (actor: StaffActor, resource: R) => boolean;

/** Per kind of resource, its actions; each rule sees the resource narrowed to that kind. */
export type RulesByKind<R extends Owned> = { [K in R["kind"]]: Record<string, Rule<Extract<R, { kind: K }>>> };

/** The action names a rule set allows on one kind of resource. */
export type ActionOf<Rules, K extends keyof Rules> = keyof Rules[K] & string;
/** Every action name of a rule set, whatever the kind. */
export type AnyActionOf<Rules> = { [K in keyof Rules]: keyof Rules[K] & string }[keyof Rules];

export interface Policy<R extends Owned, Rules extends RulesByKind<R>> {
  can<K extends R["kind"]>(actor: StaffActor, action: ActionOf<Rules, K>, resource: Extract<R, { kind: K }>): boolean;
  authorize<K extends R["kind"]>(actor: StaffActor, action: ActionOf<Rules, K>, resource: Extract<R, { kind: K }>): void;
  /** Every action on this resource and whether the actor may take it: what views are given instead of roles. */
  abilities<K extends R["kind"]>(actor: StaffActor, resource: Extract<R, { kind: K }>): Record<ActionOf<Rules, K>, boolean>;
  /** The action names of a kind, for route tables and tests. */
  actions<K extends R["kind"]>(kind: K): ActionOf<Rules, K>[];
  /**
   * The same checks as a route table makes them: by action name on whatever resource the route
   * loaded. A route names only actions of this policy (checked by the type of `action`).
   */
  forRoutes: {
    authorize(actor: StaffActor, action: AnyActionOf<Rules>, resource: Owned): void;
    abilities(actor: StaffActor, resource: Owned): Record<string, boolean>;
  };
}

/**
 * The one shape of every capability's policy: `can` checks the tenant first, then the rule for
 * the action on that kind (an unknown action is refused); `authorize` is the one check per route.
 * Another organization's resource is "not found" (no leak that it exists); a refused action is
 * "forbidden".
 */
export function policy<R extends Owned, const Rules extends RulesByKind<R> = RulesByKind<R>>(rules: Rules): Policy<R, Rules> {
  const ofKind = (kind: string) => rules[kind as R["kind"]] as unknown as Record<string, Rule<R>>;
  function can(actor: StaffActor, action: string, resource: R): boolean {
    if (resource.orgId !== actor.orgId) return false;
    // Own keys only, so an action named like an Object.prototype member is unknown, not a rule.
    const kindRules = ofKind(resource.kind);
    return Object.hasOwn(kindRules, action) ? kindRules[action]!(actor, resource) : false;
  }
  function authorize(actor: StaffActor, action: string, resource: R): void {
    if (resource.orgId !== actor.orgId) throw new NotFoundError(resource.kind);
    if (!can(actor, action, resource)) throw new ForbiddenError(`${resource.kind}.${action}`);
  }
  function abilities(actor: StaffActor, resource: R): Record<string, boolean> {
    return Object.fromEntries(Object.keys(ofKind(resource.kind)).map((action) => [action, can(actor, action, resource)]));
  }
  return {
    can: can as Policy<R, Rules>["can"],
    authorize: authorize as Policy<R, Rules>["authorize"],
    abilities: abilities as unknown as Policy<R, Rules>["abilities"],
    actions: ((kind: string) => Object.keys(ofKind(kind))) as Policy<R, Rules>["actions"],
    forRoutes: { authorize: authorize as Policy<R, Rules>["forRoutes"]["authorize"], abilities: abilities as Policy<R, Rules>["forRoutes"]["abilities"] },
  };
}
