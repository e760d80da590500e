/**
 * The transcript for a police report: a PDF of the chosen conversations with, on every page,
 * the verification code and the SHA-256 of the canonical transcript content. pdfkit buffers the
 * pages to print "page X of Y", so this document is held in memory while it is laid out; it
 * covers the conversations a person chose for a report, not a whole history.
 */
import type { Writable } from "node:stream";
import type { AppContext } from "../context.js";
import { readStatements } from "../chats/conversation-store.js";
import { canonicalJson } from "../platform/audit.js";
import { sha256Hex } from "../platform/crypto.js";
import { translator } from "../platform/i18n.js";
import { organizationSigningKey } from "../platform/organizations.js";
import { writePoliceTranscriptPdf } from "./render/transcript-pdf.js";
import type { TranscriptConversation } from "./render/transcript-html.js";
import { MANIFEST_FORMAT, publicKeyFingerprint, signManifest, type ManifestBody } from "./manifest.js";
import { SenderLabeller, messagePages, packagedMessage, type WithheldItem } from "./package-data.js";
import type { PackageInput } from "./zip-package.js";
import { PackageRedactions } from "./package-redactions.js";
import { partialRefusalNotice } from "./partial-refusal-notice.js";
import { intlLocale, isoWithOffset, packageLocale } from "./time.js";

export interface PdfResult {
  /** Signed and stored on the export row; the file's own hash is added once it is written. */
  manifest: ManifestBody;
  contentSha256: string;
  withheld: WithheldItem[];
}

/** Writes the PDF to `out`; the caller hashes the file and completes the manifest with `finishPdfManifest`. */
export async function writePolicePdf(input: PackageInput, out: Writable): Promise<PdfResult> {
  const { ctx, org, request, scope, issuedAt, verificationCode } = input;
  const locale = packageLocale(request.locale, org.defaultLocale);
  const t = translator(locale);
  const tz = org.timeZone;
  const labeller = new SenderLabeller(t, { thirdPerson: true });
  const redactions = await PackageRedactions.load(ctx.db, ctx.keys, request.id, scope.readable, t);

  const conversations: TranscriptConversation[] = [];
  const canonical: unknown[] = [];
  for (const conv of scope.readable) {
    input.signal?.throwIfAborted();
    const msgs: TranscriptConversation["messages"] = [];
    const canonicalMessages: unknown[] = [];
    for await (const page of messagePages(ctx.db, ctx.keys, conv)) {
      for (const original of page) {
        const m = { ...original, body: redactions.message(conv.id, original.id, original.body) };
        const packaged = packagedMessage(m, labeller, tz);
        msgs.push({ sentAt: m.sentAt, senderRole: m.senderRole, senderLabel: packaged.sender, body: m.body });
        canonicalMessages.push(packaged);
      }
    }
    const statements = await readStatements(ctx.db, ctx.keys, conv);
    conversations.push({ id: conv.id, topic: conv.topic, startedAt: conv.startedAt, endedAt: conv.endedAt, messages: msgs, statements });
    canonical.push({
      id: conv.id,
      topic: conv.topic,
      startedAt: isoWithOffset(conv.startedAt, tz),
      endedAt: conv.endedAt ? isoWithOffset(conv.endedAt, tz) : null,
      messages: canonicalMessages,
      statements: statements.map((s) => ({ createdAt: isoWithOffset(s.createdAt, tz), body: s.body })),
    });
  }
  const contentSha256 = sha256Hex(
    canonicalJson({ organization: { id: org.id, name: org.name }, reference: request.reference, timeZone: tz, conversations: canonical }),
  );
  const verifyUrl = `${ctx.config.BASE_URL}/verify`;
  const withheld = labeller.withheld();
  withheld.push(...redactions.withheld());
  const notice = partialRefusalNotice({ orgName: org.name, country: org.country, authorityCountry: org.authorityCountry, counts: redactions.applied(), t });
  await writePoliceTranscriptPdf(
    {
      orgName: org.name,
      reference: request.reference,
      issuedAt,
      timeZone: tz,
      locale: intlLocale(locale),
      verificationCode,
      contentSha256,
      verifyUrl,
      conversations,
      withheld: withheld.map((w) => t(`exports.withheld.${w.kind}`, { count: w.count ?? 0, reason: w.reason ?? "" })),
      notice,
      t,
    },
    out,
  );
  if (scope.notLinked > 0) withheld.push({ kind: "conversations_not_linked", count: scope.notLinked, basis: "GDPR Art. 15(4)" });
  return {
    contentSha256,
    withheld,
    manifest: {
      format: MANIFEST_FORMAT,
      exportId: input.exportRow.id,
      kind: "police_pdf",
      organization: { id: org.id, name: org.name, signingKeySha256: publicKeyFingerprint(org.signingPublicKey) },
      request: { reference: request.reference },
      issuedAt: isoWithOffset(issuedAt, tz),
      verificationCode,
      verifyUrl,
      locale,
      contentSha256,
    },
  };
}

export function finishPdfManifest(ctx: AppContext, input: PackageInput, result: PdfResult, file: { name: string; sha256: string; bytes: number }): { manifest: ManifestBody; signature: string } {
  const manifest: ManifestBody = { ...result.manifest, file: { path: file.name, sha256: file.sha256, bytes: file.bytes } };
  return { manifest, signature: signManifest(manifest, organizationSigningKey(ctx.keys, input.org)) };
}
