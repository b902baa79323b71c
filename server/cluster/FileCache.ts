/**
 * Tile files a node has read from the database, in memory only, least recently used out
 * first, at most `maxBytes`. Keys are `<id>/<size>`; drop(id) forgets every size of a tile.
 * Nothing is written to this node's disk, so a deleted tile leaves no byte here.
 */
export class FileCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  async get(key: string, load: () => Promise<Buffer | null>): Promise<Buffer | null> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const data = await load();
    if (data && data.length <= this.maxBytes / 8) {
      this.entries.set(key, data);
      this.bytes += data.length;
      for (const [k, v] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= v.length;
      }
    }
    return data;
  }

  drop(id: number): void {
    const prefix = `${id}/`;
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
