/**
 * Shared pdfkit helpers for the evidential PDFs: an embedded Unicode font (the 14
 * standard PDF fonts only cover WinAnsi, so õ, š, ž, Ĳ would be lost), deterministic
 * metadata, simple block layout and a footer on every page written after layout so it
 * can say "page X of Y".
 */
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
import { neutralizeControls } from "../../platform/text.js";
import { buildTimings } from "../../platform/build-timings.js";

export type PdfDoc = PDFKit.PDFDocument;
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

const require = createRequire(import.meta.url);

/** Resolved through the package so it works from any cwd and any install layout. */
export const FONT_PATHS = {
  regular: require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"),
  bold: require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"),
} as const;

const REGULAR = "DejaVuSans";
const BOLD = "DejaVuSans-Bold";

/** Room kept free at the bottom of every page for the footer (points). */
const FOOTER_SPACE = 72;
const MARGIN = 56;

export interface PdfMeta {
  title: string;
  issuedAt: Date;
  locale: string;
}

export interface FooterInfo {
  verificationCode: string;
  contentSha256: string;
  verifyUrl: string;
  t: Translate;
}

/**
 * A4 document with buffered pages (needed for the page count in the footer). The info
 * dictionary is passed at construction because pdfkit derives the file ID from it:
 * the same input then gives the same bytes.
 */
export function createPdf(meta: PdfMeta): PdfDoc {
  const doc = new PDFDocument({
    size: "A4",
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_SPACE },
    bufferPages: true,
    lang: meta.locale,
    displayTitle: true,
    info: {
      Title: neutralizeControls(meta.title),
      Producer: "Rightsdesk",
      Creator: "Rightsdesk",
      CreationDate: meta.issuedAt,
      ModDate: meta.issuedAt,
    },
  });
  doc.registerFont(REGULAR, FONT_PATHS.regular);
  doc.registerFont(BOLD, FONT_PATHS.bold);
  doc.font(REGULAR).fontSize(10);
  return doc;
}

/**
 * Every text this module lays out passes here: line breaks become LF (pdfkit breaks lines on LF),
 * control and bidi override characters are marked (platform/text.ts), the rest stays as sent.
 */
function layoutText(text: string): string {
  return neutralizeControls(text);
}

function contentWidth(doc: PdfDoc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** Starts a new page when fewer than `needed` points remain, so headings never dangle. */
export function ensureSpace(doc: PdfDoc, needed: number): void {
  const bottom = doc.page.height - doc.page.margins.bottom;
  if (doc.y + needed > bottom) doc.addPage();
}

/** Starts a new page unless a heading and these paragraphs fit together on this one. */
export function keepTogether(doc: PdfDoc, paragraphs: string[]): void {
  doc.font(REGULAR).fontSize(10);
  const height = paragraphs.reduce((h, p) => h + doc.heightOfString(layoutText(p), { width: contentWidth(doc) }) + doc.currentLineHeight() * 0.4, 0);
  ensureSpace(doc, height + 60);
}

export function title(doc: PdfDoc, text: string): void {
  doc.font(BOLD).fontSize(16).text(layoutText(text), doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.6);
  doc.font(REGULAR).fontSize(10);
}

export function heading(doc: PdfDoc, text: string): void {
  doc.moveDown(0.6);
  ensureSpace(doc, 60);
  doc.font(BOLD).fontSize(12).text(layoutText(text), doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.3);
  doc.font(REGULAR).fontSize(10);
}

export function paragraph(doc: PdfDoc, text: string, options: { indent?: number; gap?: number } = {}): void {
  const indent = options.indent ?? 0;
  doc
    .font(REGULAR)
    .fontSize(10)
    .text(layoutText(text), doc.page.margins.left + indent, doc.y, { width: contentWidth(doc) - indent });
  doc.moveDown(options.gap ?? 0.4);
}

/** "Label: value" on one wrapped line, label in bold. */
export function field(doc: PdfDoc, label: string, value: string): void {
  doc
    .font(BOLD)
    .fontSize(10)
    .text(`${layoutText(label)}: `, doc.page.margins.left, doc.y, { width: contentWidth(doc), continued: true })
    .font(REGULAR)
    .text(layoutText(value));
  doc.moveDown(0.15);
}

/** A bold one-line caption followed by indented wrapped text (a message, an event...). */
export function entry(doc: PdfDoc, caption: string, body: string | null): void {
  ensureSpace(doc, 40);
  doc.font(BOLD).fontSize(9.5).text(layoutText(caption), doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  if (body !== null && body !== "") paragraph(doc, body, { indent: 12, gap: 0.6 });
  else doc.moveDown(0.4);
}

/**
 * Writes the footer on every buffered page once layout is done. The bottom margin is
 * lifted while writing, otherwise pdfkit would treat footer text below it as overflow
 * and add a page.
 */
export function writeFooters(doc: PdfDoc, info: FooterInfo): void {
  const range = doc.bufferedPageRange();
  const pages = range.count;
  for (let i = range.start; i < range.start + pages; i++) {
    doc.switchToPage(i);
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const left = doc.page.margins.left;
    const width = contentWidth(doc);
    const top = doc.page.height - MARGIN - FOOTER_SPACE + 24;
    const lines = [
      `${info.t("exports.pdf.pageOf", { page: i - range.start + 1, pages })} · ${info.t("exports.pdf.verificationCode", { code: info.verificationCode })}`,
      info.t("exports.pdf.fingerprint", { sha256: info.contentSha256 }),
      info.t("exports.pdf.verifyAt", { url: info.verifyUrl }),
    ];
    doc
      .moveTo(left, top - 6)
      .lineTo(left + width, top - 6)
      .lineWidth(0.5)
      .strokeColor("#999999")
      .stroke();
    doc.font(REGULAR).fontSize(7.5).fillColor("#333333");
    let y = top;
    for (const line of lines) {
      doc.text(layoutText(line), left, y, { width, lineBreak: true });
      y = doc.y + 1;
    }
    doc.fillColor("#000000");
    doc.page.margins.bottom = savedBottom;
  }
}

/**
 * Pipes the document to `out`, runs `build`, writes footers and ends the document.
 * Resolves when `out` has finished (all bytes flushed), rejects on any stream error.
 */
export function renderPdf(doc: PdfDoc, out: NodeJS.WritableStream, footer: FooterInfo, build: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
    out.once("finish", () => resolve());
    out.once("error", fail);
    doc.once("error", fail);
    doc.pipe(out);
    try {
      buildTimings.time("renderPdf", () => {
        build();
        writeFooters(doc, footer);
        doc.end();
      });
    } catch (err) {
      fail(err);
      // Unpipe so a half-built document is not flushed into `out` as if complete.
      doc.unpipe(out);
    }
  });
}
