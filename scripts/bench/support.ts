import pg from "pg";

/**
 * A database of the benchmark's own next to DATABASE_URL / TEST_DATABASE_URL (default: the local
 * server's "test"), created if missing, so test data and real data are never touched.
 * BENCH_DATABASE_URL overrides it.
 */
export async function benchDatabaseUrl(name: string): Promise<string> {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const base = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The benchmark's key figures as one machine-readable line, `BENCH {"name":…,…}`, after its
 * human output: `npm run bench` (scripts/bench/all.ts) collects these into one table.
 */
export function printBenchSummary(name: string, figures: Record<string, number | string | boolean>): void {
  process.stdout.write(`BENCH ${JSON.stringify({ name, ...figures })}\n`);
}
