import { z } from "zod";
import { job, type JobDefinition } from "../platform/jobs.js";
import { buildExport } from "./build-export.js";
import { expireExports, sweepOrphanFiles } from "./expire-exports.js";
import { BUILD_JOB, EXPIRE_JOB } from "./queue-export.js";

/** The exports capability's background jobs (registered in src/jobs.ts). */
export function exportJobDefinitions(): JobDefinition[] {
  return [
    job({
      name: BUILD_JOB,
      payload: z.object({ exportId: z.uuid() }),
      handler: (ctx, { exportId }, signal) => buildExport(ctx, exportId, signal),
    }),
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
