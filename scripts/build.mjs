#!/usr/bin/env node
/**
 * Compiles src/ to dist/ for production: every .ts file transpiled on its own by esbuild (no
 * bundling, so dist/ mirrors src/ and every import.meta.url-relative path still resolves), and
 * every other file of src/ (locale catalogs, mail templates, SQL migrations and their meta)
 * copied beside it. views/ and public/ stay where they are: app.ts finds them one level above
 * its own folder, which is the repository from dist/ as from src/.
 *
 *   node scripts/build.mjs             build
 *   node scripts/build.mjs --if-stale  build only when dist/ is missing or older than src/
 *
 * Plain JavaScript on purpose: it runs before anything is compiled, without tsx (npm start).
 * esbuild over `tsc` emit: it transpiles the 300-odd files in about a tenth of the time on 2
 * cores (`npm run bench:startup` prints both); `npm run typecheck` does the type checking.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = path.join(root, "src");
const distDir = path.join(root, "dist");
/** Written last: a build that stopped halfway leaves no stamp, so the next start builds again. */
const stampFile = path.join(distDir, ".built");

/** Every file under `dir`, relative to it. */
function listFiles(dir, base = dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, base, out);
    else if (entry.isFile()) out.push(path.relative(base, full));
  }
  return out;
}

/**
 * Whether dist/ has to be (re)built: no finished build, or something in src/ (a file changed,
 * added or removed — a removal changes its folder's mtime), this script, package.json or the
 * lock file is newer than it.
 */
export function isStale() {
  let built;
  try {
    built = fs.statSync(stampFile).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [fileURLToPath(import.meta.url), path.join(root, "package.json"), path.join(root, "package-lock.json")];
  const newer = (p) => {
    try {
      return fs.statSync(p).mtimeMs > built;
    } catch {
      return false;
    }
  };
  if (inputs.some(newer)) return true;
  const walk = (dir) => {
    if (newer(dir)) return true;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() ? walk(full) : newer(full)) return true;
    }
    return false;
  };
  return walk(srcDir);
}

export async function build() {
  const { build: esbuild } = await import("esbuild");
  const files = listFiles(srcDir);
  const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const assets = files.filter((f) => !f.endsWith(".ts"));
  // A file removed from src/ must not live on in dist/.
  fs.rmSync(distDir, { recursive: true, force: true });
  await esbuild({
    entryPoints: sources.map((f) => path.join(srcDir, f)),
    outdir: distDir,
    outbase: srcDir,
    bundle: false,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  for (const f of assets) {
    const to = path.join(distDir, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(srcDir, f), to);
  }
  fs.writeFileSync(stampFile, `${new Date().toISOString()}\n`);
  return { sources: sources.length, assets: assets.length };
}

async function cli() {
  const ifStale = process.argv.includes("--if-stale");
  if (ifStale && !isStale()) return;
  const started = Date.now();
  const { sources, assets } = await build();
  process.stderr.write(`built dist/: ${sources} modules, ${assets} other files in ${Date.now() - started} ms\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli().catch((err) => {
    process.stderr.write(`Build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
