/**
 * The signed manifest of a package: what was issued, by whom, when, and the SHA-256 of every
 * file. The signature is Ed25519 over the canonical JSON (sorted keys, no spaces) of the manifest
 * without its "signature" member, so anyone with the organization's public key can check it
 * without our software.
 */
import crypto from "node:crypto";
import { canonicalJson } from "../platform/audit.js";
import type { ExportKind } from "../db/schema/index.js";

export const MANIFEST_FORMAT = "rightsdesk-manifest/1";
export const MANIFEST_FILE = "manifest.json";

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ManifestBody {
  format: typeof MANIFEST_FORMAT;
  exportId: string;
  kind: ExportKind;
  organization: { id: string; name: string; signingKeySha256: string };
  request: { reference: string };
  /** ISO 8601 with the organization's offset. */
  issuedAt: string;
  verificationCode: string;
  verifyUrl: string;
  locale: string;
  /** ZIP packages: every file except manifest.json itself. */
  files?: ManifestFile[];
  /** PDFs: SHA-256 of the canonical transcript content, printed on every page. */
  contentSha256?: string;
  /** PDFs: the file as issued. */
  file?: ManifestFile;
}

export interface ManifestSignature {
  algorithm: "Ed25519";
  keySha256: string;
  signedData: string;
  value: string;
}

/** SHA-256 of the public key's DER encoding: what a person compares with the key on /verify. */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = crypto.createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return crypto.createHash("sha256").update(der).digest("hex");
}

export function manifestSigningBytes(body: ManifestBody): Buffer {
  return Buffer.from(canonicalJson(body), "utf8");
}

export function signManifest(body: ManifestBody, privateKey: crypto.KeyObject): string {
  return crypto.sign(null, manifestSigningBytes(body), privateKey).toString("base64");
}

export function verifyManifestSignature(body: ManifestBody, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    return crypto.verify(null, manifestSigningBytes(body), crypto.createPublicKey(publicKeyPem), Buffer.from(signatureBase64, "base64"));
  } catch {
    return false;
  }
}

/** manifest.json as written into a package: the body plus its signature, readable by people. */
export function manifestFileBytes(body: ManifestBody, signature: string): Buffer {
  const sig: ManifestSignature = {
    algorithm: "Ed25519",
    keySha256: body.organization.signingKeySha256,
    signedData: "canonical JSON (keys sorted, no whitespace) of this object without its \"signature\" member",
    value: signature,
  };
  return Buffer.from(`${JSON.stringify({ ...body, signature: sig }, null, 2)}\n`, "utf8");
}

/** Splits a manifest.json back into body and signature; undefined when it is not one of ours. */
export function parseManifestFile(bytes: Buffer): { body: ManifestBody; signature: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const { signature, ...body } = parsed as Record<string, unknown> & { signature?: Partial<ManifestSignature> };
  if (body.format !== MANIFEST_FORMAT || typeof signature?.value !== "string") return undefined;
  if (typeof body.verificationCode !== "string" || typeof body.exportId !== "string") return undefined;
  if (body.files !== undefined && !Array.isArray(body.files)) return undefined;
  return { body: body as unknown as ManifestBody, signature: signature.value };
}
