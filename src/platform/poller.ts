import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { databaseErrorCode, isDatabaseUnavailable } from "../db/client.js";
import { errorFields, outageDelayMs } from "./outage.js";

/**
 * Runs a task every few ms, one run at a time. While the database is unavailable the task pauses:
 * it is tried again at growing intervals (up to 5 s) and logged once, and resumes at its own pace
 * when the database answers again. The task gets a signal that aborts when stop() is called.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> = Promise.resolve();
  private stopped = true;
  private controller = new AbortController();
  private outageTries = 0;

  constructor(
    private readonly task: (signal: AbortSignal) => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly name = "poller",
    private readonly firstDelayMs = intervalMs,
  ) {}

  start(): void {
    this.stopped = false;
    this.controller = new AbortController();
    const loop = async () => {
      this.current = this.runOnce();
      await this.current;
      if (!this.stopped) this.timer = setTimeout(loop, this.nextDelayMs());
    };
    this.timer = setTimeout(loop, this.firstDelayMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.task(this.controller.signal);
      if (this.outageTries > 0) this.logger.info({ task: this.name }, "database available again; resumed");
      this.outageTries = 0;
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        if (this.outageTries === 0) this.logger.warn({ task: this.name, errCode: databaseErrorCode(err) }, "database unavailable; paused");
        this.outageTries += 1;
      } else {
        this.logger.error({ task: this.name, ...errorFields(err) }, "poller task failed");
      }
    }
  }

  private nextDelayMs(): number {
    return this.outageTries > 0 ? Math.max(this.intervalMs, outageDelayMs(this.outageTries + 1)) : this.intervalMs;
  }

  /**
   * Stops starting runs and signals the run in flight (its waits through an outage end); resolves
   * when that run ended, or after `graceMs`, whichever comes first: true when it ended.
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.controller.abort();
    const ended = this.current.then(() => true);
    if (!Number.isFinite(graceMs)) return ended;
    const timeout = new AbortController();
    const result = await Promise.race([ended, sleep(graceMs, false, { signal: timeout.signal }).catch(() => false)]);
    timeout.abort();
    return result;
  }
}
