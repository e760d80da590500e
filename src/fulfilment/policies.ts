import { policy, type RulesByKind, type StaffActor } from "../staff/policies.js";

/** The resources the fulfilment capability guards. Same shape and tenant-first rule as staff/policies.ts. */
export type FulfilmentResource =
  | { kind: "org"; orgId: string }
  | { kind: "request"; orgId: string; type: string }
  | { kind: "recipient"; orgId: string }
  | { kind: "conversation"; orgId: string; restrictedAt: Date | null };

const prepares = (a: StaffActor) => a.role === "reviewer" || a.role === "dpo";
const decides = (a: StaffActor) => a.role === "dpo";
const administers = (a: StaffActor) => a.role === "admin";

const rules: RulesByKind<FulfilmentResource> = {
  org: {
    manageRecipients: administers,
  },
  request: {
    /** Carrying out: the DPO (an erasure also needs its second DPO, checked by mayStartFulfilment). */
    carryOut: decides,
    setLegalHold: decides,
    liftLegalHold: decides,
    notifyRestrictionLift: decides,
    liftRestriction: decides,
    /** Telling a recipient and noting it is preparatory work. */
    confirmRecipientTask: prepares,
  },
  recipient: {
    edit: administers,
    deactivate: administers,
  },
  conversation: {
    /** Art. 18: restricted data is seen only by the DPO; other staff see that it is restricted. */
    viewDetails: (a, c) => (c.restrictedAt === null ? prepares(a) : decides(a)),
  },
};

/** One check per route: another organization's resource is "not found", a role that may not act is "forbidden". */
export const { can: canFulfil, authorize: authorizeFulfilment } = policy<FulfilmentResource>(rules);
