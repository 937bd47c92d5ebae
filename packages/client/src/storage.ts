// Where the client keeps what must outlive the process: the outbox and the sync cursor.
// The interface is AsyncStorage's (React Native), so that object can be passed as it is.

/**
 * A string key-value store. `@react-native-async-storage/async-storage`'s default export fits it
 * as it is; browsers get `indexedDbStorage`; `memoryStorage` lives as long as the object does.
 */
export interface ChatStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/**
 * Keeps everything in memory. One instance handed to a new client is the same device after an
 * app restart: the new client finds the outbox and cursor the previous one left.
 */
export function memoryStorage(): ChatStorage {
  const items = new Map<string, string>();
  return {
    async getItem(key) {
      return items.get(key) ?? null;
    },
    async setItem(key, value) {
      items.set(key, value);
    },
    async removeItem(key) {
      items.delete(key);
    },
  };
}

/** Reads and writes one JSON value under one key; writes are applied in the order they were asked for. */
export class StoredValue<T> {
  private readonly storage: ChatStorage;
  private readonly key: string;
  private writes: Promise<void> = Promise.resolve();

  constructor(storage: ChatStorage, key: string) {
    this.storage = storage;
    this.key = key;
  }

  async read(): Promise<T | undefined> {
    const text = await this.storage.getItem(this.key);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      // A value this client cannot read is one it did not write: start afresh rather than fail.
      return undefined;
    }
  }

  write(value: T): Promise<void> {
    const text = JSON.stringify(value);
    // A failed write must not block the later ones: this process's memory stays right, and the
    // next write stores the whole value again.
    this.writes = this.writes.then(() => this.storage.setItem(this.key, text)).catch(() => undefined);
    return this.writes;
  }

  /** Every write asked for so far has been applied (or has failed). */
  settled(): Promise<void> {
    return this.writes;
  }
}
