import { closeSharedDatabase } from "./context.js";
import { registerCapabilityHooks } from "../../src/jobs.js";

/** Mocha root hooks: one database per run, closed at the end. */
export const mochaHooks = {
  beforeAll() {
    registerCapabilityHooks();
  },
  async afterAll() {
    await closeSharedDatabase();
  },
};
