import { policy, roles, type RulesByKind } from "../platform/policy.js";

/** The resources the fulfilment capability guards. Same shape and tenant-first rule as staff/policies.ts. */
export type FulfilmentResource =
  | { kind: "org"; orgId: string }
  | { kind: "request"; orgId: string; type: string }
  | { kind: "recipient"; orgId: string }
  | { kind: "conversation"; orgId: string; restrictedAt: Date | null };


const rules: RulesByKind<FulfilmentResource> = {
  org: {
    manageRecipients: roles.administers,
  },
  request: {
    /** Carrying out: the DPO (an erasure also needs its second DPO, checked by mayStartFulfilment). */
    carryOut: roles.decides,
    setLegalHold: roles.decides,
    renewLegalHold: roles.decides,
    liftLegalHold: roles.decides,
    notifyRestrictionLift: roles.decides,
    liftRestriction: roles.decides,
    /** Telling a recipient and noting it is preparatory work. */
    confirmRecipientTask: roles.prepares,
  },
  recipient: {
    edit: roles.administers,
    deactivate: roles.administers,
  },
  conversation: {
    /** Art. 18: restricted data is seen only by the DPO; other staff see that it is restricted. */
    viewDetails: (a, c) => (c.restrictedAt === null ? roles.prepares(a) : roles.decides(a)),
  },
};

/** One check per route: another organization's resource is "not found", a role that may not act is "forbidden". */
export const fulfilmentPolicy = policy<FulfilmentResource>(rules);
export const { can: canFulfil, authorize: authorizeFulfilment } = fulfilmentPolicy;
