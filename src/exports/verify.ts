/**
 * /verify: did this organization issue this document, when, for which request, and is it
 * unmodified? By verification code, or by the file itself (an upload already on disk, hashed while
 * it was received, so no file is ever held whole in memory):
 *  - ZIP: the manifest's Ed25519 signature is checked with the organization's key, every file is
 *    re-hashed against the manifest (no file missing, none added), the manifest must be the one
 *    recorded for the export, and the ZIP's own SHA-256 must be the one issued;
 *  - PDF: its SHA-256 must be that of an export we issued.
 * Inflating is bounded: no entry past the size its manifest declares, no check past what the
 * package we issued holds, so a ZIP bomb costs no more than checking a genuine package.
 * Answers never include the requester's identity, only the request reference.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { exports, requests, type ExportKind } from "../db/schema/index.js";
import { canonicalJson } from "../platform/audit.js";
import { groups, normalizeBase32 } from "../platform/codes.js";
import type { OrganizationRow } from "./package-data.js";
import { MANIFEST_FILE, parseManifestFile, verifyManifestSignature, type ManifestBody } from "./manifest.js";
import { InflateBudget, InflateLimitError, ZipFormatError, type ZipEntry } from "./zip-reader.js";
import { listZipFileEntries, openZipFile, readSmallZipFileEntry, sha256OfZipFileEntry, type ZipFile } from "./zip-file-reader.js";

export interface IssuedDocument {
  organization: string;
  kind: ExportKind;
  reference: string;
  issuedAt: string;
  verificationCode: string;
  /** ready: still downloadable; expired: download period over (the document stays valid). */
  status: "ready" | "expired";
  fileSha256: string;
  /** PDFs: the fingerprint printed on every page. */
  contentSha256: string | null;
}

export type Verdict =
  /** Issued by us and byte-for-byte what we issued. */
  | "unmodified"
  /** Every file inside is as issued and signed, but the ZIP container itself differs (re-packed). */
  | "contents_intact"
  /** Refers to a document we issued, but something in it was changed. */
  | "modified"
  /** We cannot connect it to any document we issued. */
  | "unknown";

export interface FileVerification {
  verdict: Verdict;
  fileType: "zip" | "pdf" | "other";
  fileSha256: string;
  document: IssuedDocument | null;
  /** Stable codes: signature_invalid, file_changed:<path>, file_missing:<path>, file_added:<path>, manifest_differs, corrupt_zip, … */
  problems: string[];
  filesChecked: number;
}

const VISIBLE = ["ready", "expired"] as const;

/** Accepts what people type: lower case, spaces, O for 0… and returns V-XXXX-XXXX. */
export function normalizeVerificationCode(input: string): string | undefined {
  const compact = normalizeBase32(input.trim());
  const match = /^V([0-9A-HJKMNP-TV-Z]{8})$/.exec(compact);
  return match ? `V-${groups(match[1]!)}` : undefined;
}

type Row = typeof exports.$inferSelect;

async function describe(db: Executor, org: OrganizationRow, row: Row): Promise<IssuedDocument> {
  const [request] = row.requestId ? await db.select({ reference: requests.reference }).from(requests).where(eq(requests.id, row.requestId)) : [];
  const manifest = (row.manifest ?? {}) as Partial<ManifestBody>;
  return {
    organization: org.name,
    kind: row.kind,
    reference: manifest.request?.reference ?? request?.reference ?? "",
    issuedAt: manifest.issuedAt ?? row.readyAt?.toISOString() ?? "",
    verificationCode: row.verificationCode ?? "",
    status: row.status === "ready" ? "ready" : "expired",
    fileSha256: row.sha256 ?? "",
    contentSha256: manifest.contentSha256 ?? null,
  };
}

export async function lookupVerificationCode(db: Executor, org: OrganizationRow, input: string): Promise<IssuedDocument | undefined> {
  const code = normalizeVerificationCode(input);
  if (!code) return undefined;
  const [row] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.orgId, org.id), eq(exports.verificationCode, code), inArray(exports.status, [...VISIBLE])));
  return row ? describe(db, org, row) : undefined;
}

/** A file received on disk with the SHA-256 of its bytes, computed while it streamed in. */
export interface ReceivedFile {
  path: string;
  size: number;
  sha256: string;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** `budget` counts what inflating the file's entries cost (the caller may read it afterwards). */
export async function verifyFile(db: Executor, org: OrganizationRow, received: ReceivedFile, budget = new InflateBudget()): Promise<FileVerification> {
  const fileSha256 = received.sha256;
  const [issued] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.orgId, org.id), eq(exports.sha256, fileSha256), inArray(exports.status, [...VISIBLE])));
  const file = await openZipFile(received.path);
  try {
    const head = await file.read(0, Math.min(5, file.size));
    if (head.length >= 4 && head.subarray(0, 4).equals(ZIP_MAGIC)) return await verifyZip(db, org, file, fileSha256, issued, budget);
    return await verifyOther(db, org, head, fileSha256, issued);
  } finally {
    await file.close();
  }
}

async function verifyOther(db: Executor, org: OrganizationRow, head: Buffer, fileSha256: string, issued: Row | undefined): Promise<FileVerification> {
  const fileType = head.toString("latin1") === "%PDF-" ? "pdf" : "other";
  return {
    verdict: issued ? "unmodified" : "unknown",
    fileType,
    fileSha256,
    document: issued ? await describe(db, org, issued) : null,
    problems: issued ? [] : ["not_issued_or_changed"],
    filesChecked: 0,
  };
}

async function verifyZip(db: Executor, org: OrganizationRow, file: ZipFile, fileSha256: string, issuedByHash: Row | undefined, budget: InflateBudget): Promise<FileVerification> {
  const result: FileVerification = { verdict: "unknown", fileType: "zip", fileSha256, document: null, problems: [], filesChecked: 0 };
  let entries;
  try {
    entries = await listZipFileEntries(file);
  } catch (err) {
    result.problems.push(err instanceof ZipFormatError ? "corrupt_zip" : "unreadable");
    return result;
  }
  const manifestEntry = entries.find((e) => e.name === MANIFEST_FILE);
  let parsed: ReturnType<typeof parseManifestFile>;
  try {
    parsed = manifestEntry ? parseManifestFile(await readSmallZipFileEntry(file, manifestEntry, manifestLimit(entries), budget)) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    result.problems.push(manifestEntry ? "manifest_unreadable" : "manifest_missing");
    return result;
  }
  const { body, signature } = parsed;
  const code = normalizeVerificationCode(String(body.verificationCode));
  const [row] = code
    ? await db
        .select()
        .from(exports)
        .where(and(eq(exports.orgId, org.id), eq(exports.verificationCode, code), inArray(exports.status, [...VISIBLE])))
    : [];
  if (!row) {
    result.problems.push("not_issued_here");
    return result;
  }
  result.document = await describe(db, org, row);
  result.verdict = "modified";

  if (!verifyManifestSignature(body, signature, org.signingPublicKey)) result.problems.push("signature_invalid");
  if (!row.manifest || canonicalJson(row.manifest) !== canonicalJson(body) || row.signature !== signature) result.problems.push("manifest_differs");

  // Checking a file never inflates more than the package we issued holds (a zip bomb costs what
  // checking that package costs), and no entry more than its manifest declares.
  budget.limit = Math.min(budget.limit, budget.inflated + issuedBytes(row));
  const listed = new Map((Array.isArray(body.files) ? body.files : []).map((f) => [f.path, f]));
  for (const entry of entries) {
    if (entry.name === MANIFEST_FILE) continue;
    const expected = listed.get(entry.name);
    if (!expected) {
      result.problems.push(`file_added:${entry.name}`);
      continue;
    }
    listed.delete(entry.name);
    if (!budget.allows(Math.min(entry.uncompressedSize, Number(expected.bytes) || 0))) {
      result.problems.push("unpacked_size_limit");
      listed.clear(); // not checked is not missing
      break;
    }
    result.filesChecked += 1;
    result.problems.push(...(await checkEntry(file, entry, expected, budget)));
  }
  for (const missing of listed.keys()) result.problems.push(`file_missing:${missing}`);

  if (result.problems.length === 0) {
    const identical = issuedByHash?.id === row.id && row.sha256 === fileSha256;
    result.verdict = identical ? "unmodified" : "contents_intact";
    if (!identical) result.problems.push("container_differs");
  }
  return result;
}

/**
 * One entry against its manifest line, inflated only up to the size the manifest declares. A file
 * larger than that is changed, and the problems say why it was not unpacked further.
 */
async function checkEntry(file: ZipFile, entry: ZipEntry, expected: { sha256: string; bytes: number }, budget: InflateBudget): Promise<string[]> {
  const changed = `file_changed:${entry.name}`;
  const larger = [changed, `file_larger_than_declared:${entry.name}`];
  if (entry.uncompressedSize > expected.bytes) return larger;
  if (entry.uncompressedSize !== expected.bytes) return [changed];
  try {
    const actual = await sha256OfZipFileEntry(file, entry, budget);
    return actual === expected.sha256 ? [] : [changed];
  } catch (err) {
    if (err instanceof InflateLimitError) return err.bound === "entry" ? larger : ["unpacked_size_limit"];
    return [changed];
  }
}

/** Every file of the package as we issued it (the stored manifest, not the uploaded one). */
function issuedBytes(row: Row): number {
  const files = (row.manifest as Partial<ManifestBody> | null)?.files;
  return Array.isArray(files) ? files.reduce((sum, f) => sum + (Number.isSafeInteger(f.bytes) && f.bytes > 0 ? f.bytes : 0), 0) : 0;
}

/** A manifest lists each entry once, in a few hundred bytes: more than that is not one of ours. */
function manifestLimit(entries: ZipEntry[]): number {
  const listing = entries.reduce((sum, e) => sum + 2 * Buffer.byteLength(e.name) + 256, 0);
  return Math.min(16 * 1024 * 1024, 16 * 1024 + listing);
}
