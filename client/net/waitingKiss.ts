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

const DB = 'kiss-in';
const STORE = 'waiting';
const ONE = 'kiss';

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

/** Keeps the waiting kiss; false where this browser keeps nothing (storage off, private mode). */
export async function keepWaiting(kiss: WaitingKiss): Promise<boolean> {
  try {
    await run('readwrite', (s) => s.put(kiss, ONE));
    return true;
  } catch {
    return false;
  }
}

/** Whether this browser may hold the database: opening it to look would create an empty one. */
async function mayExist(): Promise<boolean> {
  // Not every browser lists its databases (older Firefox): there, opening is the only way to know.
  if (typeof indexedDB.databases !== 'function') return true;
  const all = await indexedDB.databases();
  return all.some((d) => d.name === DB);
}

/** The kiss waiting from an earlier visit, if any; one older than WAITING_DAYS is removed instead. */
export async function waitingKiss(): Promise<WaitingKiss | null> {
  let kiss: WaitingKiss | undefined;
  try {
    if (!(await mayExist())) return null;
    kiss = await run('readonly', (s) => s.get(ONE) as IDBRequest<WaitingKiss | undefined>);
  } catch {
    return null;
  }
  if (!kiss) return null;
  if (!(kiss.photo instanceof Blob) || Date.now() - kiss.savedAt > WAITING_DAYS * 86_400_000) {
    await forgetWaiting();
    return null;
  }
  return kiss;
}

/** Removes the waiting kiss (it is in, refused, or not to be sent). */
export async function forgetWaiting(): Promise<void> {
  try {
    await run('readwrite', (s) => s.delete(ONE));
  } catch {
    // Nothing kept, or storage off: nothing to remove.
  }
}
