/**
 * Who on staff may see and answer complaints. Decision: the DPO only, reviewers included out.
 * A complaint is addressed to the data protection officer (GDPR Art. 38(4)) and is often about
 * how a reviewer handled the request; keeping reviewers out of the complaint (not the request
 * itself, which they still see) keeps the review independent. Administrators manage staff and
 * settings, not cases. Same shape as staff/policies.ts: the tenant is checked first, for every rule.
 */
import { ForbiddenError, NotFoundError } from "../platform/errors.js";
import type { StaffActor } from "../staff/policies.js";

export type ComplaintResource =
  | { kind: "complaints"; orgId: string }
  | { kind: "complaint"; orgId: string; answered: boolean };

const isDpo = (a: StaffActor) => a.role === "dpo";

type Rule<R> = (actor: StaffActor, resource: R) => boolean;
type RulesFor<K extends ComplaintResource["kind"]> = Record<string, Rule<Extract<ComplaintResource, { kind: K }>>>;

const rules: { [K in ComplaintResource["kind"]]: RulesFor<K> } = {
  complaints: {
    viewQueue: isDpo,
  },
  complaint: {
    view: isDpo,
    /** One answer per complaint; a follow-up goes through the request's messages. */
    answer: (a, c) => isDpo(a) && !c.answered,
  },
};

export function canOnComplaint(actor: StaffActor, action: string, resource: ComplaintResource): boolean {
  if (resource.orgId !== actor.orgId) return false;
  const rule = (rules[resource.kind] as Record<string, Rule<ComplaintResource>>)[action];
  return rule ? rule(actor, resource) : false;
}

/** Another organization's complaint is "not found" (no leak that it exists); a refused action is "forbidden". */
export function authorizeComplaint(actor: StaffActor, action: string, resource: ComplaintResource): void {
  if (resource.orgId !== actor.orgId) throw new NotFoundError(resource.kind);
  if (!canOnComplaint(actor, action, resource)) throw new ForbiddenError(`${resource.kind}.${action}`);
}
