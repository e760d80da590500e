import type { exports } from "../db/schema/index.js";

/** One row of the exports table: a package, transcript or dossier and where it stands. */
export type ExportRow = typeof exports.$inferSelect;
