/** Opens what a requester downloads: the police PDF's text, and the ZIP with its signed manifest. */
import { PDFParse } from "pdf-parse";
import { checkManifest, unzip } from "../../exports/helpers.js";

export async function pdfText(bytes: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

export async function openPackage(bytes: Buffer, publicKeyPem: string) {
  const files = await unzip(bytes);
  return { files, ...checkManifest(files, publicKeyPem) };
}
