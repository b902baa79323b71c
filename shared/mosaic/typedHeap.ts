/**
 * A binary min-heap kept in two parallel typed arrays, an item and its key per entry,
 * with the length held by the caller. The index's searches run millions of times a
 * second, so the heap allocates nothing and is plain functions over arrays the caller
 * owns. A max-heap is the same heap over negated keys (negation is exact for doubles,
 * so it orders and breaks ties exactly as a max-heap would).
 */

/**
 * Adds `item` with key `k` to the heap of `len` entries in `item[]`/`key[]` (which must
 * have room for one more); returns the new length.
 */
export function heapPush(
  items: Int32Array,
  keys: Float64Array,
  len: number,
  item: number,
  k: number,
): number {
  let i = len;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (keys[p]! <= k) break;
    items[i] = items[p]!;
    keys[i] = keys[p]!;
    i = p;
  }
  items[i] = item;
  keys[i] = k;
  return len + 1;
}

/** Replaces the least entry of the heap of `len` entries (len >= 1) with `item` at key `k`. */
export function heapReplaceTop(
  items: Int32Array,
  keys: Float64Array,
  len: number,
  item: number,
  k: number,
): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= len) break;
    if (c + 1 < len && keys[c + 1]! < keys[c]!) c++;
    if (keys[c]! >= k) break;
    items[i] = items[c]!;
    keys[i] = keys[c]!;
    i = c;
  }
  items[i] = item;
  keys[i] = k;
}

/** Removes the least entry (read it at index 0 first) of the heap of `len` >= 1 entries; returns the new length. */
export function heapPop(items: Int32Array, keys: Float64Array, len: number): number {
  const n = len - 1;
  if (n > 0) heapReplaceTop(items, keys, n, items[n]!, keys[n]!);
  return n;
}
