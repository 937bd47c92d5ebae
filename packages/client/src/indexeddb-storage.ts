// ChatStorage on a browser's IndexedDB: one database, one object store of strings.
import type { ChatStorage } from './storage.ts';

// The few IndexedDB shapes used here, declared by hand so the package builds without the DOM
// library in programs (the bridge's, React Native's) that must not see browser globals.
interface IdbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
}
interface IdbTransaction {
  error: unknown;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  objectStore(name: string): IdbStore;
}
interface IdbStore {
  get(key: string): IdbRequest<unknown>;
  put(value: string, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
}
interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}

const STORE = 'items';

function completion<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Browsers: survives reloads and restarts of the browser. `name` is the IndexedDB database's name. */
export function indexedDbStorage(name: string): ChatStorage {
  let database: Promise<IdbDatabase> | undefined;
  const open = () => {
    database ??= (() => {
      const factory = (globalThis as { indexedDB?: IdbFactory }).indexedDB;
      if (!factory) return Promise.reject(new Error('indexedDbStorage: this runtime has no IndexedDB'));
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
      };
      return completion(request);
    })();
    return database;
  };
  // A write counts once its transaction has committed: a request's success alone may still be
  // lost if the page is closed right after.
  const write = async (change: (store: IdbStore) => void) => {
    const transaction = (await open()).transaction(STORE, 'readwrite');
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
    change(transaction.objectStore(STORE));
    await committed;
  };
  return {
    async getItem(key) {
      const value = await completion((await open()).transaction(STORE, 'readonly').objectStore(STORE).get(key));
      return typeof value === 'string' ? value : null;
    },
    setItem: (key, value) => write((store) => store.put(value, key)),
    removeItem: (key) => write((store) => store.delete(key)),
  };
}
