import type pg from 'pg';
import { AppError } from '../errors.ts';
import { fromStore } from './pgErrors.ts';

/** What the placer answered a request: its result, or the HTTP error it refused it with. */
export type RequestOutcome =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; status: number; code: string; message: string };

/** The kinds of mutation a node asks of the placer. */
export type RequestKind = 'place' | 'remove' | 'reject' | 'approve' | 'hide' | 'takedown';

interface Waiter {
  resolve(o: RequestOutcome): void;
}

/**
 * A node's side of the placer's inbox (the `requests` table): it inserts a request, wakes
 * the placer, and waits for the answer the placer writes in the same commit as its changes.
 * Answers are noticed by a notification (`notice`, from the Redis channel) or, when that is
 * lost, by polling the table, so a Redis outage only slows answers down.
 */
export class RequestQueue {
  private readonly waiters = new Map<number, Waiter[]>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;

  constructor(
    private readonly pool: pg.Pool,
    /** Wakes the placer (a Redis publish); failures are ignored, the placer also polls. */
    private readonly wake: () => void,
    /** How long a request may wait for a placer before 503 PLACER_UNAVAILABLE. */
    private readonly waitMs: number,
    private readonly pollMs = 250,
  ) {}

  /** Inserts a request with `client` (inside the caller's transaction) and returns its id. */
  static async insert(client: pg.PoolClient | pg.Pool, kind: RequestKind, payload: unknown): Promise<number> {
    const r = await client.query('INSERT INTO requests (kind, payload) VALUES ($1, $2) RETURNING id', [
      kind,
      JSON.stringify(payload),
    ]);
    return r.rows[0].id as number;
  }

  /** Sends a request and waits for its answer; 503 PLACER_UNAVAILABLE when no placer took it in time. */
  async submit(kind: RequestKind, payload: unknown): Promise<RequestOutcome> {
    const id = await fromStore(RequestQueue.insert(this.pool, kind, payload));
    return this.await(id, true);
  }

  /**
   * Waits for request `id`. A cancellable one that no placer took in time is withdrawn (a
   * later placer will not do it); an upload's is not, as its tile is stored and will be placed.
   */
  async await(id: number, cancellable: boolean): Promise<RequestOutcome> {
    this.wake();
    const outcome = await new Promise<RequestOutcome | null>((resolve) => {
      const w: Waiter = { resolve };
      const list = this.waiters.get(id) ?? [];
      list.push(w);
      this.waiters.set(id, list);
      this.startPolling();
      setTimeout(() => {
        const l = this.waiters.get(id);
        if (!l?.includes(w)) return;
        l.splice(l.indexOf(w), 1);
        if (!l.length) this.waiters.delete(id);
        resolve(null);
      }, this.waitMs).unref();
    });
    if (outcome) return outcome;
    if (cancellable) {
      const r = await fromStore(
        this.pool.query(
          `UPDATE requests SET state = 'cancelled', done_at = now() WHERE id = $1 AND state = 'queued'`,
          [id],
        ),
      );
      // Not cancelled: the placer took it meanwhile, and its answer is written.
      if (r.rowCount === 0) {
        const done = await this.read([id]);
        const o = done.get(id);
        if (o) return o;
      }
    }
    throw new AppError(
      503,
      'PLACER_UNAVAILABLE',
      'The mosaic is changing hands between servers; please try again in a few seconds.',
      { 'Retry-After': '5' },
    );
  }

  /** Told by the placer's notification that these requests are answered. */
  notice(): void {
    void this.poll();
  }

  private startPolling() {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  private async read(ids: number[]): Promise<Map<number, RequestOutcome>> {
    const r = await this.pool.query(
      `SELECT id, result FROM requests WHERE id = ANY($1::bigint[]) AND state = 'done'`,
      [ids],
    );
    return new Map(r.rows.map((x) => [x.id as number, x.result as RequestOutcome]));
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    if (!this.waiters.size) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.polling = true;
    try {
      const done = await this.read([...this.waiters.keys()]);
      for (const [id, outcome] of done) {
        const list = this.waiters.get(id);
        this.waiters.delete(id);
        for (const w of list ?? []) w.resolve(outcome);
      }
    } catch {
      // The database is away: keep waiting, the timeout answers.
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
