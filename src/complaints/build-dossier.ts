/**
 * Builds a "dossier" export (called by exports/build-export.ts, which claims the row, stores the
 * file, marks it ready and audits it). One dossier request queues two exports: the PDF, and a ZIP
 * with the same PDF plus the originals as JSON. Which one a row is comes from the file name it was
 * queued with. Both carry the signed manifest /verify checks: the PDF by its SHA-256, the ZIP by
 * its manifest and the hash of every file inside.
 */
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ZipArchive } from "archiver";
import { canonicalJson } from "../platform/audit.js";
import { sha256Hex } from "../platform/crypto.js";
import { translator } from "../platform/i18n.js";
import { organizationSigningKey } from "../platform/organizations.js";
import type { ExportRow } from "../exports/export-row.js";
import type { ExportWriter, HashingOut, WrittenPackage } from "../exports/hooks.js";
import { MANIFEST_FILE, MANIFEST_FORMAT, manifestFileBytes, publicKeyFingerprint, signManifest, type ManifestBody, type ManifestFile } from "../exports/manifest.js";
import { intlLocale, isoWithOffset, packageLocale } from "../exports/time.js";
import { ZIP_LEVEL, type PackageInput } from "../exports/zip-package.js";
import { loadDossierFacts, type DossierFacts } from "./dossier-data.js";
import { writeComplaintDossierPdf } from "./dossier-pdf.js";

export type DossierFormat = "pdf" | "zip";

/** The dossier's format, from the file name it was queued with (request-dossier.ts). */
export function dossierExtension(row: Pick<ExportRow, "fileName">): DossierFormat {
  return row.fileName?.toLowerCase().endsWith(".zip") ? "zip" : "pdf";
}

export function dossierFileName(reference: string, format: DossierFormat): string {
  return `${reference}-dossier.${format}`;
}


class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    done();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");

/**
 * Writes the dossier to `out` and waits for `written` (the file fsynced and closed), then returns
 * the signed manifest. Nothing here reads chat content: only the request's own records.
 */
export async function writeDossierExport(input: PackageInput, out: HashingOut, written: Promise<void>): Promise<WrittenPackage> {
  const { ctx, org, request, scope, issuedAt, verificationCode, exportRow } = input;
  const locale = packageLocale(request.locale, org.defaultLocale);
  const t = translator(locale);
  const facts = await loadDossierFacts(ctx.db, ctx.keys, org, request, scope, issuedAt);
  const contentSha256 = sha256Hex(canonicalJson(facts));
  const verifyUrl = `${ctx.config.BASE_URL}/verify`;
  const pdfInput = { facts, issuedAt, intlLocale: intlLocale(locale), verificationCode, contentSha256, verifyUrl, t };
  const base: ManifestBody = {
    format: MANIFEST_FORMAT,
    exportId: exportRow.id,
    kind: "dossier",
    organization: { id: org.id, name: org.name, signingKeySha256: publicKeyFingerprint(org.signingPublicKey) },
    request: { reference: request.reference },
    issuedAt: isoWithOffset(issuedAt, org.timeZone),
    verificationCode,
    verifyUrl,
    locale,
    contentSha256,
  };
  const sign = (m: ManifestBody) => signManifest(m, organizationSigningKey(ctx.keys, org));

  if (dossierExtension(exportRow) === "pdf") {
    await writeComplaintDossierPdf(pdfInput, out);
    await written;
    const manifest: ManifestBody = { ...base, file: { path: dossierFileName(request.reference, "pdf"), sha256: out.digest(), bytes: out.bytes } };
    return { manifest, signature: sign(manifest), withheld: [] };
  }

  const pdf = new Collector();
  await writeComplaintDossierPdf(pdfInput, pdf);
  const entries = zipEntries(facts, pdf.buffer, t);
  const files: ManifestFile[] = entries.map((e) => ({ path: e.name, sha256: sha256Hex(e.data), bytes: e.data.length }));
  const manifest: ManifestBody = { ...base, files };
  const signature = sign(manifest);
  await writeZip(out, issuedAt, [...entries, { name: MANIFEST_FILE, data: manifestFileBytes(manifest, signature) }]);
  await written;
  return { manifest, signature, withheld: [] };
}

/** The PDF, the originals as JSON, and a short README in the requester's language. */
function zipEntries(facts: DossierFacts, pdf: Buffer, t: (key: string, vars?: Record<string, string | number>) => string): { name: string; data: Buffer }[] {
  const { events, messages, complaints, ...request } = facts;
  const files = [
    { name: "dossier.pdf", data: pdf, about: "complaints.dossier.zip.pdf" },
    { name: "request.json", data: json(request), about: "complaints.dossier.zip.request" },
    { name: "events.json", data: json({ format: facts.format, reference: facts.request.reference, events }), about: "complaints.dossier.zip.events" },
    { name: "messages.json", data: json({ format: facts.format, reference: facts.request.reference, messages }), about: "complaints.dossier.zip.messages" },
    { name: "complaints.json", data: json({ format: facts.format, reference: facts.request.reference, complaints }), about: "complaints.dossier.zip.complaints" },
  ];
  const readme = [
    t("complaints.dossier.title"),
    "",
    t("complaints.dossier.zip.intro", { reference: facts.request.reference, org: facts.organization.name }),
    "",
    ...files.map((f) => `- ${f.name}: ${t(f.about)}`),
    `- ${MANIFEST_FILE}: ${t("complaints.dossier.zip.manifest")}`,
    "",
    t("complaints.dossier.leftOut"),
    "",
  ].join("\n");
  return [{ name: "README.txt", data: Buffer.from(readme, "utf8") }, ...files.map(({ name, data }) => ({ name, data }))];
}

async function writeZip(out: Writable, date: Date, entries: { name: string; data: Buffer }[]): Promise<void> {
  const archive = new ZipArchive({ zlib: { level: ZIP_LEVEL } });
  const done = pipeline(archive, out);
  done.catch(() => undefined);
  for (const e of entries) archive.append(e.data, { name: e.name, date });
  await Promise.all([archive.finalize(), done]);
}

/** How exports builds a dossier: registered by src/jobs.ts, so exports never imports complaints. */
export const dossierWriter: ExportWriter = { extension: dossierExtension, write: writeDossierExport };
