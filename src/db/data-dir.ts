/**
 * DATA_DIR belongs to one process at a time, and to its owner only.
 *
 * PGlite is PostgreSQL compiled into this process: it has no postmaster to serialize writers, so
 * two processes that open the same directory each keep their own buffers and overwrite each
 * other's pages (lost writes, and after a crash a directory that no longer opens). The portal
 * and the commands (seed, retention, import, audit:verify, setup) therefore take an exclusive
 * lock on DATA_DIR/rightsdesk.lock before they open the embedded database, and a second process
 * stops with a message naming DATA_DIR and the process that holds it.
 *
 * The lock is an OS lock on an open file (Linux: an open file description lock, fcntl
 * F_OFD_SETLK; macOS: flock; Windows: LockFileEx), through fs-native-extensions. The kernel drops
 * it when the holder closes the file or dies in any way, kill -9 included, so a lock can never be
 * left stale and no heartbeat is needed (a mtime-refreshed lock file would expire while PGlite's
 * synchronous WASM blocks the event loop in a long query). The file itself is never deleted:
 * unlinking a lock file that another process has opened lets two processes lock two different
 * files. Its content (pid, what runs, since when) is only read for the refusal message.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

export const LOCK_FILE = "rightsdesk.lock";

/** What DATA_DIR holds; only these are tightened recursively (DATA_DIR itself is always 0700). */
const OWN_ENTRIES = ["pglite", "mail", "exports", "tmp", "master.key", LOCK_FILE];

/** Who opened the database: the refusal message tells a command to stop the portal first. */
export type ProcessRole = "portal" | "command";

export interface LockHolder {
  pid: number;
  role: ProcessRole;
  command: string;
  host: string;
  since: string;
}

export interface DataDirLock {
  readonly file: string;
  /** Unlocks and closes the file (idempotent). The file stays; the OS lock is what counts. */
  release(): void;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
    role: ProcessRole,
  ) {
    super(inUseMessage(dataDir, holder, role));
    this.name = "DataDirInUseError";
  }
}

interface LockBinding {
  tryLock(fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean;
  unlock(fd: number, offset?: number, length?: number): void;
}

let binding: LockBinding | undefined;
function locks(): LockBinding {
  // Loaded on first use: a deployment on a PostgreSQL server never needs the native addon.
  binding ??= createRequire(import.meta.url)("fs-native-extensions") as LockBinding;
  return binding;
}

/**
 * Every file and directory this process creates is owner-only, whatever umask it was started
 * with (the files are also created with explicit modes; this covers what libraries create,
 * PGlite's data files and WAL among them).
 */
export function useOwnerOnlyFileModes(): void {
  process.umask(0o077);
}

/** Creates DATA_DIR (0700) if it is missing. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Takes the exclusive lock on DATA_DIR or throws DataDirInUseError. Nothing in DATA_DIR is
 * changed before the lock is held (the lock file is opened without truncation).
 */
export function lockDataDir(dataDir: string, role: ProcessRole): DataDirLock {
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, LOCK_FILE);
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
  let held = false;
  try {
    held = locks().tryLock(fd);
  } finally {
    if (!held) fs.closeSync(fd);
  }
  if (!held) throw new DataDirInUseError(dataDir, readHolder(file), role);

  const holder: LockHolder = { pid: process.pid, role, command: commandName(), host: os.hostname(), since: new Date().toISOString() };
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        locks().unlock(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockHolder>;
    return typeof parsed.pid === "number" ? (parsed as LockHolder) : undefined;
  } catch {
    // Empty (the holder is just writing it), unreadable (Windows locks bytes) or foreign: no details.
    return undefined;
  }
}

/** How the holder was started, for the message: `npm run retention`, or the script's file name. */
function commandName(): string {
  const script = process.env.npm_lifecycle_event;
  if (script) return script === "start" ? "npm start" : `npm run ${script}`;
  return path.basename(process.argv[1] ?? "node");
}

function inUseMessage(dataDir: string, holder: LockHolder | undefined, role: ProcessRole): string {
  const who = holder
    ? `${holder.role === "portal" ? "the portal" : holder.command} (pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ""}, since ${holder.since})`
    : "(pid unknown)";
  const advice =
    role === "command"
      ? "Stop the portal (or the other command) first and run this again, or point both the portal and this command at a PostgreSQL server with DATABASE_URL."
      : "Stop that process first, or run every process against a PostgreSQL server with DATABASE_URL.";
  return [
    `DATA_DIR ${dataDir} is in use by another Rightsdesk process: ${who}.`,
    "Its embedded database can be opened by one process at a time; a second one would lose writes or damage it.",
    advice,
  ].join("\n");
}

/**
 * Strips group and other permissions from DATA_DIR and everything Rightsdesk keeps in it (left by
 * an earlier version, a restored backup or a start under a looser umask). Symbolic links are not
 * followed. Entries DATA_DIR holds that are not ours are left alone: DATA_DIR itself becomes 0700,
 * so nobody else can reach them anyway, and a DATA_DIR pointed at a shared folder by mistake does
 * not get that folder's content changed.
 */
export function tightenDataDir(dataDir: string): void {
  if (!fs.existsSync(dataDir)) return;
  chmodOwnerOnly(dataDir, fs.lstatSync(dataDir));
  for (const name of OWN_ENTRIES) tighten(path.join(dataDir, name));
}

function tighten(target: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (stat.isSymbolicLink()) return;
  chmodOwnerOnly(target, stat);
  if (stat.isDirectory()) for (const name of fs.readdirSync(target)) tighten(path.join(target, name));
}

function chmodOwnerOnly(target: string, stat: fs.Stats): void {
  const wanted = stat.isDirectory() ? 0o700 : stat.mode & 0o700;
  if ((stat.mode & 0o777) !== wanted) fs.chmodSync(target, wanted);
}
