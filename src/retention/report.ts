import { sweepOrder, type OrgRunResult } from "./run-retention.js";

/** Plain text of a run's results, per organization and category (for the CLI). */
export function formatRetentionReport(results: OrgRunResult[], opts: { dryRun: boolean; at: Date }): string {
  const lines = [opts.dryRun ? `Retention dry run at ${opts.at.toISOString()}: what would go (nothing was changed)` : `Retention run at ${opts.at.toISOString()}`];
  for (const r of results) {
    if (r.status === "no_policies") {
      lines.push(`${r.slug}: no retention rules`);
      continue;
    }
    if (r.status === "busy") {
      lines.push(`${r.slug}: skipped, another instance is running its sweep`);
      continue;
    }
    lines.push(`${r.slug}:${r.resumed ? " (resumed an interrupted run)" : ""}`);
    const before = lines.length;
    for (const category of sweepOrder) {
      const keys = Object.keys({ ...r.counts, ...r.kept }).filter((k) => k === category || k.startsWith(`${category}.`));
      if (keys.length === 0) continue;
      const kept = r.kept[category] ? `  (kept: ${r.kept[category]})` : "";
      lines.push(`  ${category.padEnd(22)} ${String(r.counts[category] ?? 0).padStart(9)}${kept}`);
      for (const key of keys.filter((k) => k !== category).sort()) lines.push(`    ${key.slice(category.length + 1).padEnd(20)} ${String(r.counts[key] ?? 0).padStart(9)}`);
    }
    if (lines.length === before) lines.push("  nothing past its period");
  }
  return `${lines.join("\n")}\n`;
}
