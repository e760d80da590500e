import { expect } from "chai";
import { InvalidTransitionError } from "../../src/platform/errors.js";
import {
  canTransition,
  clockPausedStatuses,
  closedStatuses,
  isOpen,
  isRequestStatus,
  openStatuses,
  requestStatuses,
  transition,
  transitionTable,
  type RequestStatus,
} from "../../src/requests/lifecycle.js";

// The allowed moves, written out independently of the module's table.
const allowed: ReadonlyArray<readonly [RequestStatus, RequestStatus]> = [
  ["submitted", "awaiting_identity"],
  ["submitted", "in_review"],
  ["submitted", "rejected"],
  ["submitted", "withdrawn"],
  ["awaiting_identity", "in_review"],
  ["awaiting_identity", "rejected"],
  ["awaiting_identity", "withdrawn"],
  ["in_review", "awaiting_identity"],
  ["in_review", "awaiting_requester"],
  ["in_review", "approved"],
  ["in_review", "rejected"],
  ["in_review", "withdrawn"],
  ["awaiting_requester", "in_review"],
  ["awaiting_requester", "rejected"],
  ["awaiting_requester", "withdrawn"],
  ["approved", "in_progress"],
  ["approved", "withdrawn"],
  ["in_progress", "completed"],
];
const isAllowed = (from: RequestStatus, to: RequestStatus): boolean =>
  allowed.some(([f, t]) => f === from && t === to);

describe("request lifecycle", () => {
  it("has nine statuses", () => {
    expect(requestStatuses).to.have.length(9);
    expect(new Set(requestStatuses).size).to.equal(9);
  });

  it("allows exactly the listed moves over the full status matrix", () => {
    let succeeded = 0;
    let refused = 0;
    for (const from of requestStatuses) {
      for (const to of requestStatuses) {
        const label = `${from} -> ${to}`;
        if (isAllowed(from, to)) {
          expect(canTransition(from, to), label).to.equal(true);
          expect(transition(from, to), label).to.equal(to);
          succeeded++;
        } else {
          expect(canTransition(from, to), label).to.equal(false);
          expect(() => transition(from, to), label).to.throw(InvalidTransitionError);
          refused++;
        }
      }
    }
    const tableSize = Object.values(transitionTable).reduce((n, moves) => n + moves.length, 0);
    expect(succeeded).to.equal(18);
    expect(succeeded).to.equal(tableSize);
    expect(refused).to.equal(81 - 18);
  });

  it("throws an InvalidTransitionError that carries both statuses", () => {
    try {
      transition("completed", "in_review");
      expect.fail("should have thrown");
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidTransitionError);
      expect(err).to.include({ from: "completed", to: "in_review", status: 409, code: "invalid_transition" });
    }
  });

  it("lets terminal statuses go nowhere, not even to themselves", () => {
    for (const s of ["completed", "rejected", "withdrawn"] as const) {
      expect(transitionTable[s]).to.deep.equal([]);
      for (const to of requestStatuses) expect(() => transition(s, to)).to.throw(InvalidTransitionError);
    }
  });

  it("splits statuses into open and closed", () => {
    expect([...closedStatuses].sort()).to.deep.equal(["completed", "rejected", "withdrawn"]);
    expect([...openStatuses].sort()).to.deep.equal(
      ["approved", "awaiting_identity", "awaiting_requester", "in_progress", "in_review", "submitted"],
    );
    expect(isOpen("awaiting_requester")).to.equal(true);
    expect(isOpen("withdrawn")).to.equal(false);
    // Closed means terminal: no status with a way out is closed.
    for (const s of requestStatuses) expect(isOpen(s), s).to.equal(transitionTable[s].length > 0);
  });

  it("pauses the clock only while awaiting identity information", () => {
    expect(clockPausedStatuses).to.deep.equal(["awaiting_identity"]);
  });

  it("recognises statuses and rejects anything else", () => {
    expect(isRequestStatus("in_review")).to.equal(true);
    for (const x of ["IN_REVIEW", "pending", "", "toString", null, undefined, 3, {}]) {
      expect(isRequestStatus(x), String(x)).to.equal(false);
    }
    expect(canTransition("toString" as RequestStatus, "completed")).to.equal(false);
  });
});
