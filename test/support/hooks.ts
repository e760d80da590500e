import { closeSharedDatabase } from "./context.js";

/** Mocha root hooks: one database per run, closed at the end. */
export const mochaHooks = {
  async afterAll() {
    await closeSharedDatabase();
  },
};
