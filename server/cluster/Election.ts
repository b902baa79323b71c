import pg from 'pg';

/**
 * The PostgreSQL advisory lock whose holder is the placer: any 64-bit number, the same on every
 * node (advisory locks are per database: one mosaic per database, one placer per mosaic).
 */
export const PLACER_LOCK = 0x6b697373_0002n;

export interface ElectionOptions {
  url: string;
  /** Called once this node holds the lock, with the fencing term it bumped the mosaic to. */
  elected(term: number): void;
  /** Called when the lock's session is gone (the database ended it, or the connection broke). */
  deposed(): void;
  log: (message: string, error?: unknown) => void;
  /** How often a follower tries for the lock and a placer shows it is alive. Default 500 ms. */
  everyMs?: number;
  /**
   * How long the database keeps the session of a silent node (idle_session_timeout). A placer
   * that stalls longer (GC, SIGSTOP) loses the lock, and another node takes over. Default 3 s.
   */
  silenceMs?: number;
}

/**
 * Elects the placer with a session-level PostgreSQL advisory lock on a connection of its
 * own. The winner bumps the mosaic's `term`; every placer commit checks it (see Placer), so
 * a placer that lost the lock while stalled can never commit again.
 */
export class Election {
  private client: pg.Client | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private leading = false;
  private closed = false;
  private busy = false;

  constructor(private readonly o: ElectionOptions) {
    this.tick();
  }

  get isPlacer(): boolean {
    return this.leading;
  }

  private tick(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.step().finally(() => this.tick()), this.o.everyMs ?? 500);
    this.timer.unref();
  }

  private async step(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const c = await this.connection();
      if (this.leading) {
        await c.query('SELECT 1');
        return;
      }
      const r = await c.query('SELECT pg_try_advisory_lock($1) AS won', [PLACER_LOCK.toString()]);
      if (!r.rows[0]?.won) return;
      const t = await c.query('UPDATE mosaic SET term = term + 1 WHERE id = 1 RETURNING term');
      this.leading = true;
      this.o.elected(Number(t.rows[0].term));
    } catch (e) {
      this.lost(e);
    } finally {
      this.busy = false;
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = new pg.Client({
      connectionString: this.o.url,
      connectionTimeoutMillis: 3000,
      options: `-c idle_session_timeout=${this.o.silenceMs ?? 3000}`,
    });
    c.on('error', (e) => this.lost(e));
    this.client = c;
    await c.connect();
    return c;
  }

  private lost(e: unknown): void {
    const c = this.client;
    this.client = null;
    c?.end().catch(() => {});
    if (this.leading) {
      this.leading = false;
      this.o.log('placer: lost the election lock', e);
      this.o.deposed();
    }
  }

  /**
   * Lets the lock's session stay silent for `ms` (while the new placer loads its engine, which
   * may block this process for seconds), then back to the normal silence. Nothing commits meanwhile.
   */
  async allowSilence(ms: number | null): Promise<void> {
    const v = ms ?? this.o.silenceMs ?? 3000;
    await this.client?.query(`SET idle_session_timeout = ${Math.max(1000, Math.floor(v))}`).catch(() => {});
  }

  /** Gives the lock up (the placer could not start); another node, or this one later, takes it. */
  stepDown(): void {
    if (this.leading) this.lost(new Error('stepped down'));
  }

  /** Steps down: releases the lock by closing its session. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    this.leading = false;
    await c?.end().catch(() => {});
  }
}
