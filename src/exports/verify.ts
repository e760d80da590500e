/**
 * /verify: did this organization issue this document, when, for which request, and is it
 * unmodified? By verification code, or by the file itself (an upload already on disk, hashed while
 * it was received, so no file is ever held whole in memory):
 *  - ZIP: the manifest's Ed25519 signature is checked with the organization's key, every file is
 *    re-hashed against the manifest (no file missing, none added), the manifest must be the one
 *    recorded for the export, and the ZIP's own SHA-256 must be the one issued;
 *  - PDF: its SHA-256 must be that of an export we issued.
 * Answers never include the requester's identity, only the request reference.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { exports, requests, type ExportKind } from "../db/schema/index.js";
import { canonicalJson } from "../platform/audit.js";
import { groups, normalizeBase32 } from "../platform/codes.js";
import type { OrganizationRow } from "./package-data.js";
import { MANIFEST_FILE, parseManifestFile, verifyManifestSignature, type ManifestBody } from "./manifest.js";
import { ZipFormatError } from "./zip-reader.js";
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

export async function verifyFile(db: Executor, org: OrganizationRow, received: ReceivedFile): Promise<FileVerification> {
  const fileSha256 = received.sha256;
  const [issued] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.orgId, org.id), eq(exports.sha256, fileSha256), inArray(exports.status, [...VISIBLE])));
  const file = await openZipFile(received.path);
  try {
    const head = await file.read(0, Math.min(5, file.size));
    if (head.length >= 4 && head.subarray(0, 4).equals(ZIP_MAGIC)) return await verifyZip(db, org, file, fileSha256, issued);
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

async function verifyZip(db: Executor, org: OrganizationRow, file: ZipFile, fileSha256: string, issuedByHash: Row | undefined): Promise<FileVerification> {
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
    parsed = manifestEntry ? parseManifestFile(await readSmallZipFileEntry(file, manifestEntry, 16 * 1024 * 1024)) : undefined;
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

  const listed = new Map((Array.isArray(body.files) ? body.files : []).map((f) => [f.path, f]));
  for (const entry of entries) {
    if (entry.name === MANIFEST_FILE) continue;
    const expected = listed.get(entry.name);
    if (!expected) {
      result.problems.push(`file_added:${entry.name}`);
      continue;
    }
    listed.delete(entry.name);
    try {
      const actual = await sha256OfZipFileEntry(file, entry);
      if (actual !== expected.sha256 || entry.uncompressedSize !== expected.bytes) result.problems.push(`file_changed:${entry.name}`);
    } catch {
      result.problems.push(`file_changed:${entry.name}`);
    }
    result.filesChecked += 1;
  }
  for (const missing of listed.keys()) result.problems.push(`file_missing:${missing}`);

  if (result.problems.length === 0) {
    const identical = issuedByHash?.id === row.id && row.sha256 === fileSha256;
    result.verdict = identical ? "unmodified" : "contents_intact";
    if (!identical) result.problems.push("container_differs");
  }
  return result;
}
