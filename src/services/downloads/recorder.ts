import { sql } from "drizzle-orm";
import type { Database } from "../../lib/db/db.ts";
import type { Logger } from "../../lib/logger.ts";

/**
 * Records downloads off the request path. A download only appends to an in-process buffer; a
 * flush (every `flushMs`, or at `maxBatch` events) writes the events and adds their count to
 * agents.downloads in ONE statement, so the counter always equals the rows, and a popular agent
 * costs one row update per flush instead of one per download. A failed flush keeps its events
 * for the next one (up to `maxBuffered`); a crash loses at most one flush interval of them,
 * rows and counter alike.
 */

export interface DownloadEvent {
  agentId: number;
  versionId: number | null;
  userId: number | null;
  at: Date;
}

export interface DownloadRecorderOptions {
  flushMs?: number;
  maxBatch?: number;
  maxBuffered?: number;
  /** After each batch is in the database (the answer cache drops counts it may hold). Must not throw. */
  onWritten?: () => Promise<void>;
}

export class DownloadRecorder {
  private buffer: DownloadEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly onWritten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: DownloadRecorderOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 250;
    this.maxBatch = options.maxBatch ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.onWritten = options.onWritten;
  }

  record(event: Omit<DownloadEvent, "at">): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.logger.error({ buffered: this.buffer.length }, "download events are not being written; dropping the oldest");
      this.buffer.shift();
    }
    this.buffer.push({ ...event, at: new Date() });
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes everything buffered so far; resolves when it is in the database (or failed and kept). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await this.running;
    if (this.buffer.length === 0) return;
    this.running = this.writeAll().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatch);
      try {
        await this.write(batch);
      } catch (err) {
        this.logger.warn({ err, events: batch.length }, "could not record downloads; will retry");
        this.buffer.unshift(...batch);
        this.timer ??= setTimeout(() => void this.flush(), this.flushMs * 4);
        return;
      }
      await this.onWritten?.();
    }
  }

  /**
   * Events of agents deleted since the download are dropped (the join), so one deleted agent
   * cannot fail the batch; versions and users that vanished become null, like their FKs do.
   */
  private async write(batch: DownloadEvent[]): Promise<void> {
    const rows = sql.join(
      batch.map((e) => sql`(${e.agentId}::int, ${e.versionId}::int, ${e.userId}::int, ${e.at.toISOString()}::timestamptz)`),
      sql`, `,
    );
    await this.db.execute(sql`
      with incoming (agent_id, version_id, user_id, created_at) as (values ${rows}),
      inserted as (
        insert into download_events (agent_id, version_id, user_id, created_at)
        select a.id, v.id, u.id, i.created_at
        from incoming i
        join agents a on a.id = i.agent_id
        left join agent_versions v on v.id = i.version_id
        left join users u on u.id = i.user_id
        returning agent_id
      )
      update agents set downloads = agents.downloads + c.n
      from (select agent_id, count(*) as n from inserted group by agent_id) c
      where agents.id = c.agent_id`);
  }

  /** Flushes what is left; for shutdown. */
  async close(): Promise<void> {
    await this.flush();
  }
}
