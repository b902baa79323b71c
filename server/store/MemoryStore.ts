import type { TileSize } from '../../shared/httpApi.ts';
import { placementsOf } from './applyChanges.ts';
import type { Commit, MosaicMeta, TileRow, TileStore } from './types.ts';

/** The in-memory twin of SqliteStore, for unit tests. Same semantics, nothing durable. */
export class MemoryStore implements TileStore {
  private meta: MosaicMeta | null = null;
  private readonly rows = new Map<number, TileRow>();
  private readonly files = new Map<number, Map<TileSize, Buffer>>();
  private readonly rgb32 = new Map<number, Buffer>();
  private nextId = 1;

  scan() {
    return this.load();
  }

  load() {
    const tiles = [...this.rows.values()].map(({ deleteHash: _h, ...r }) => r);
    return { meta: this.meta && { ...this.meta }, tiles };
  }

  reserveId(): number {
    return this.nextId++;
  }

  async putFiles(id: number, files: ReadonlyMap<TileSize, Buffer>, rgb32?: Buffer): Promise<void> {
    this.files.set(id, new Map(files));
    if (rgb32) this.rgb32.set(id, rgb32);
  }

  async readFile(id: number, size: TileSize): Promise<Buffer | null> {
    return this.files.get(id)?.get(size) ?? null;
  }

  async readRgb32(id: number): Promise<Buffer | null> {
    return this.rgb32.get(id) ?? null;
  }

  readFeatures(id: number): Float32Array | null {
    const f = this.rows.get(id)?.features;
    return f ? new Float32Array(f) : null;
  }

  tileOfKey(keyHash: string): number | null {
    for (const r of this.rows.values()) if (r.keyHash === keyHash) return r.id;
    return null;
  }

  readDeleteHash(id: number): string | null {
    return this.rows.get(id)?.deleteHash ?? null;
  }

  async deleteFiles(id: number): Promise<void> {
    this.files.delete(id);
    this.rgb32.delete(id);
  }

  async durable(): Promise<void> {}

  refusal(): Error | null {
    return null;
  }

  commit(c: Commit): void {
    if (c.insert) this.rows.set(c.insert.id, { ...c.insert });
    for (const id of c.remove ?? []) this.rows.delete(id);
    for (const [id, p] of placementsOf(c.changes)) {
      const row = this.rows.get(id);
      if (!row) continue;
      if (p) Object.assign(row, p, { status: 'live' });
      else Object.assign(row, { col: -1, row: -1 });
    }
    for (const id of c.pend ?? []) {
      const row = this.rows.get(id);
      if (row) Object.assign(row, { status: 'pending', col: -1, row: -1 });
    }
    this.meta = { ...c.meta };
  }

  async sweepOrphans(): Promise<number> {
    let n = 0;
    for (const id of this.files.keys()) {
      if (!this.rows.has(id)) {
        this.files.delete(id);
        this.rgb32.delete(id);
        n++;
      }
    }
    return n;
  }

  close(): void {}
}
