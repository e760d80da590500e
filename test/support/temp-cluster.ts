/**
 * A PostgreSQL server of a test's own: a temporary cluster (initdb) on a free port on 127.0.0.1,
 * which the test may stop and start again, removed afterwards. initdb refuses to run as root, so
 * as root (CI here) the cluster belongs to the `postgres` OS user and every command runs as it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const binRoot = "/usr/lib/postgresql";

/** The newest installed server's bin directory, or undefined where none is installed. */
export function postgresBinDir(): string | undefined {
  if (!fs.existsSync(binRoot)) return undefined;
  const versions = fs.readdirSync(binRoot).filter((v) => fs.existsSync(path.join(binRoot, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(binRoot, versions[0], "bin") : undefined;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class TempCluster {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly asPostgres: boolean,
  ) {}

  /** Creates and starts a cluster; undefined where no PostgreSQL server binaries are installed. */
  static async create(): Promise<TempCluster | undefined> {
    const bin = postgresBinDir();
    if (!bin) return undefined;
    const asPostgres = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rightsdesk-pg-"));
    const cluster = new TempCluster(bin, dir, await freePort(), asPostgres);
    try {
      if (asPostgres) {
        const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
        const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
        fs.chownSync(dir, uid, gid);
      }
      cluster.run("initdb", ["-D", cluster.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
      cluster.start();
    } catch (err) {
      cluster.remove();
      throw err;
    }
    return cluster;
  }

  private get dataDir(): string {
    return path.join(this.dir, "data");
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(tool: string, args: string[]): void {
    const command = path.join(this.bin, tool);
    const [file, argv] = this.asPostgres ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
    execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: this.dir, timeout: 60_000 });
  }

  start(): void {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off`;
    this.run("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", path.join(this.dir, "server.log"), "-w", "-t", "60", "start"]);
  }

  /** `pg_ctl stop -m fast`: open connections are terminated (57P01), new ones refused. */
  stop(): void {
    this.run("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
  }

  /** Stops the server if it runs and deletes the cluster. */
  remove(): void {
    try {
      if (fs.existsSync(path.join(this.dataDir, "postmaster.pid"))) this.run("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
