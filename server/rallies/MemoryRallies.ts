import type { RallyInput } from '../../shared/rallies.ts';
import type { RallyRow, RallyStore } from './RallyStore.ts';

/**
 * The registry in memory, beside an injected tile store (a MemoryStore): what it holds is
 * gone when the process ends, like the tiles next to it.
 */
export class MemoryRallies implements RallyStore {
  private readonly rows = new Map<string, RallyRow>();

  async list(): Promise<RallyRow[]> {
    return [...this.rows.values()].sort((a, b) => (a.code < b.code ? -1 : 1)).map((r) => ({ ...r }));
  }

  async create(r: RallyRow): Promise<boolean> {
    if (this.rows.has(r.code)) return false;
    this.rows.set(r.code, { ...r });
    return true;
  }

  async update(r: RallyInput): Promise<boolean> {
    const old = this.rows.get(r.code);
    if (!old) return false;
    this.rows.set(r.code, { ...r, createdAt: old.createdAt });
    return true;
  }

  async close(): Promise<void> {}
}
