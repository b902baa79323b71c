/**
 * A kiss that waits for the network or the server, kept in this browser (IndexedDB) so that
 * closing the tab, or the phone dropping it from memory, does not lose it: the contribute page
 * sends it when it is next opened. Only while it waits, and for at most WAITING_DAYS: the page
 * removes it once it is in, refused, or the contributor says not to send it.
 */

/** What the page sends, as it would have sent it: the copy (or the file), its key and choices. */
export interface WaitingKiss {
  /** The upload's Idempotency-Key: a try that reached the server gets that first answer. */
  key: string;
  photo: Blob;
  name: string;
  event: string | null;
  hideFaces: boolean;
  /** When it started waiting (ms since the epoch). */
  savedAt: number;
}

/** A kiss left waiting longer is removed unsent: a photo should not stay on a phone for ever. */
export const WAITING_DAYS = 7;

/**
 * A kiss given up ("Don't send it") after a try that may have reached the server, while the
 * server could not be asked to take that try's tile out: only its key is kept, not the photo.
 */
export interface Withdrawal {
  key: string;
  savedAt: number;
}

const DB = 'kiss-in';
const STORE = 'waiting';
const ONE = 'kiss';
const WITHDRAWAL = 'withdrawal';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('blocked'));
  });
}

/** Runs one request on the store and closes the database once its transaction is done. */
async function run<T>(mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Keeps `value` under `name`; false where this browser keeps nothing (storage off, private mode). */
async function keep(name: string, value: WaitingKiss | Withdrawal): Promise<boolean> {
  try {
    await run('readwrite', (s) => s.put(value, name));
    return true;
  } catch {
    return false;
  }
}

/** What is kept under `name`, if anything; what is older than WAITING_DAYS is removed instead. */
async function kept<T extends { savedAt: number }>(
  name: string,
  valid: (x: T) => boolean,
): Promise<T | null> {
  let x: T | undefined;
  try {
    if (!(await mayExist())) return null;
    x = await run('readonly', (s) => s.get(name) as IDBRequest<T | undefined>);
  } catch {
    return null;
  }
  if (!x) return null;
  if (!valid(x) || Date.now() - x.savedAt > WAITING_DAYS * 86_400_000) {
    await forget(name);
    return null;
  }
  return x;
}

async function forget(name: string): Promise<void> {
  try {
    await run('readwrite', (s) => s.delete(name));
  } catch {
    // Nothing kept, or storage off: nothing to remove.
  }
}

/** Keeps the waiting kiss; false where this browser keeps nothing (storage off, private mode). */
export function keepWaiting(kiss: WaitingKiss): Promise<boolean> {
  return keep(ONE, kiss);
}

/** Whether this browser may hold the database: opening it to look would create an empty one. */
async function mayExist(): Promise<boolean> {
  // Not every browser lists its databases (older Firefox): there, opening is the only way to know.
  if (typeof indexedDB.databases !== 'function') return true;
  const all = await indexedDB.databases();
  return all.some((d) => d.name === DB);
}

/** The kiss waiting from an earlier visit, if any; one older than WAITING_DAYS is removed instead. */
export function waitingKiss(): Promise<WaitingKiss | null> {
  return kept<WaitingKiss>(ONE, (k) => k.photo instanceof Blob);
}

/** Removes the waiting kiss (it is in, refused, or not to be sent). */
export function forgetWaiting(): Promise<void> {
  return forget(ONE);
}

/**
 * Each withdrawal is kept under its own name, so that a second kiss given up while the first
 * withdrawal still waits does not replace it. The range holds them all, and `withdrawal` itself:
 * the one slot an earlier version of the page kept.
 */
const withdrawalName = (key: string): string => `${WITHDRAWAL}:${key}`;
const withdrawals = (): IDBKeyRange => IDBKeyRange.bound(WITHDRAWAL, `${WITHDRAWAL};`, false, true);

/** Keeps a withdrawal until the server could be asked; false where this browser keeps nothing. */
export function keepWithdrawal(w: Withdrawal): Promise<boolean> {
  return keep(withdrawalName(w.key), w);
}

/** The withdrawals left from earlier visits, oldest first (each removed after WAITING_DAYS). */
export async function waitingWithdrawals(): Promise<Withdrawal[]> {
  let names: IDBValidKey[];
  try {
    if (!(await mayExist())) return [];
    names = await run('readonly', (s) => s.getAllKeys(withdrawals()));
  } catch {
    return [];
  }
  const out: Withdrawal[] = [];
  for (const name of names) {
    const w = await kept<Withdrawal>(String(name), (x) => typeof x.key === 'string');
    if (!w) continue;
    // The earlier page's one slot moves under the withdrawal's own name.
    if (name !== withdrawalName(w.key) && (await keepWithdrawal(w))) await forget(String(name));
    out.push(w);
  }
  return out.sort((a, b) => a.savedAt - b.savedAt);
}

/** Removes a withdrawal (the server took the tile out, or had none). */
export function forgetWithdrawal(key: string): Promise<void> {
  return forget(withdrawalName(key));
}
