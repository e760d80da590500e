import type { JobDefinition } from "../platform/jobs.js";
import { buildExport } from "./build-export.js";
import { expireExports, sweepOrphanFiles } from "./expire-exports.js";
import { BUILD_JOB, EXPIRE_JOB } from "./queue-export.js";

/** The exports capability's background jobs (registered in src/jobs.ts). */
export function exportJobDefinitions(): JobDefinition[] {
  return [
    {
      name: BUILD_JOB,
      handler: async (ctx, payload, signal) => {
        if (typeof payload.exportId !== "string") throw new Error("exports.build needs an exportId");
        await buildExport(ctx, payload.exportId, signal);
      },
    },
    {
      name: EXPIRE_JOB,
      everyMs: 60 * 60_000,
      handler: async (ctx) => {
        await expireExports(ctx);
        await sweepOrphanFiles(ctx);
      },
    },
  ];
}
