/**
 * Tile files in memory only, least recently used out first, at most `maxBytes`: what a
 * cluster node has read from the database, or the 32 px WebPs the embedded store encodes
 * from raw pixels when asked. Keys are `<id>/<size>`; drop(id) forgets every size of a tile.
 * Nothing is written to disk, so a deleted tile leaves no byte behind once dropped.
 */
export class FileCache {
  private readonly entries = new Map<string, Buffer>();
  /** Reads under way, so that many requests for one key at once read it once. */
  private readonly loading = new Map<string, Promise<Buffer | null>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, load: () => Promise<Buffer | null>): Promise<Buffer | null> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return Promise.resolve(hit);
    }
    const under = this.loading.get(key);
    if (under) return under;
    const p = load().then(
      (data) => {
        // A drop while it was read (a delete): answered, but not kept.
        if (this.loading.get(key) !== p) return data;
        this.loading.delete(key);
        if (data) this.keep(key, data);
        return data;
      },
      (err: unknown) => {
        if (this.loading.get(key) === p) this.loading.delete(key);
        throw err;
      },
    );
    this.loading.set(key, p);
    return p;
  }

  private keep(key: string, data: Buffer): void {
    if (data.length > this.maxBytes / 8) return;
    this.entries.set(key, data);
    this.bytes += data.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  drop(id: number): void {
    const prefix = `${id}/`;
    for (const k of this.loading.keys()) if (k.startsWith(prefix)) this.loading.delete(k);
    for (const [k, v] of this.entries) {
      if (!k.startsWith(prefix)) continue;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  /** Keys held, for tests. */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}
