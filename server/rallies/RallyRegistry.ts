import { type Rally, type RallyInput, rallyLinks } from '../../shared/rallies.ts';
import { AppError } from '../errors.ts';
import type { RallyRow, RallyStore } from './RallyStore.ts';

/** How often a cluster node reads the registry again, for rallies made on other nodes. */
const REFRESH_MS = 5000;

/**
 * The rally registry with a copy in memory, so that the live handshake (synchronous) and
 * every upload can ask about a code without a query. In `listed` mode (`EVENTS=listed`) only
 * registered codes are taken; in `open` mode any well-formed code is, as before.
 */
export class RallyRegistry {
  private rows = new Map<string, RallyRow>();
  private timer: ReturnType<typeof setInterval> | null = null;

  private constructor(
    private readonly store: RallyStore,
    readonly mode: 'open' | 'listed',
    private readonly clock: () => number,
  ) {}

  /** Reads the registry; `shared` (cluster mode) also reads it again every few seconds. */
  static async open(
    store: RallyStore,
    mode: 'open' | 'listed',
    opts: { shared?: boolean; clock?: () => number } = {},
  ): Promise<RallyRegistry> {
    const r = new RallyRegistry(store, mode, opts.clock ?? Date.now);
    await r.refresh();
    if (opts.shared) {
      r.timer = setInterval(() => void r.refresh().catch(() => {}), REFRESH_MS);
      r.timer.unref();
    }
    return r;
  }

  async refresh(): Promise<void> {
    this.rows = new Map((await this.store.list()).map((x) => [x.code, x]));
  }

  /** Whether the live layer and uploads may take `code` (always, in open mode). */
  allows(code: string): boolean {
    return this.mode === 'open' || this.rows.has(code);
  }

  /** Throws 400 UNKNOWN_EVENT for a code that listed mode does not take. */
  check(code: string | null): void {
    if (code === null || this.allows(code)) return;
    throw new AppError(
      400,
      'UNKNOWN_EVENT',
      `There is no rally "${code}": this server takes only the rallies its organisers have registered.`,
    );
  }

  /** The rally's own moderation mode, or null to follow the server's. */
  moderationOf(code: string | null): 'post' | 'pre' | null {
    return code ? (this.rows.get(code)?.moderation ?? null) : null;
  }

  get(code: string): Rally | undefined {
    const r = this.rows.get(code);
    return r && withLinks(r);
  }

  list(): Rally[] {
    return [...this.rows.values()].sort((a, b) => (a.code < b.code ? -1 : 1)).map(withLinks);
  }

  async create(input: RallyInput): Promise<Rally> {
    const row: RallyRow = { ...input, createdAt: this.clock() };
    if (!(await this.store.create(row)))
      throw new AppError(409, 'RALLY_EXISTS', `The rally code "${input.code}" is taken; pick another.`);
    this.rows.set(row.code, row);
    return withLinks(row);
  }

  async update(input: RallyInput): Promise<Rally> {
    if (!(await this.store.update(input))) throw new AppError(404, 'NOT_FOUND', 'There is no such rally.');
    await this.refresh();
    return this.get(input.code)!;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.close();
  }
}

function withLinks(r: RallyRow): Rally {
  const { createdAt, ...rest } = r;
  return { ...rest, createdAt: new Date(createdAt).toISOString(), links: rallyLinks(r.code, r.language) };
}
