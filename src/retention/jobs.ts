import type { JobDefinition } from "../platform/jobs.js";
import { runRetention } from "./run-retention.js";

/** Job "retention.sweep": once a day, whichever instance claims it; a failed run resumes on retry. */
export function retentionJobDefinition(): JobDefinition {
  return {
    name: "retention.sweep",
    everyMs: 24 * 60 * 60_000,
    handler: async (ctx) => {
      const results = await runRetention(ctx);
      for (const r of results) {
        if (r.status === "completed" || r.status === "busy") ctx.logger.info({ org: r.slug, status: r.status, counts: r.counts, kept: r.kept }, "retention run");
      }
    },
  };
}
