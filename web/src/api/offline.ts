// The device side of the diary: lines written without a connection wait in an outbox (IndexedDB)
// with their `client_ref` and are sent when the connection returns. The API replays a create by
// `client_ref`, so sending the same line twice (a retry after a lost answer) never duplicates it.
// A local mirror of the person's own entries is kept up to date by the sync feed
// (`/entries/changes?since=`), so changes made elsewhere (an approval, a return, another device)
// come back and the diary can be read offline.
import { openDB, type IDBPDatabase } from 'idb';
import { ApiError, call, type Api, type Schemas } from './client';

export type Entry = Schemas['EntryView'];
export type NewEntry = Schemas['CreateEntry'];

export interface PendingLine {
  client_ref: string;
  body: NewEntry & { client_ref: string };
  queued_at: string;
  /** The server refused the line (e.g. 422): it stays until the person fixes or discards it. */
  error?: string;
}

/** Storage behind the outbox and the mirror; IndexedDB in the browser, fake-indexeddb in tests. */
export interface DiaryStore {
  pending(): Promise<PendingLine[]>;
  putPending(line: PendingLine): Promise<void>;
  deletePending(ref: string): Promise<void>;
  entries(): Promise<Entry[]>;
  putEntries(items: Entry[]): Promise<void>;
  deleteEntry(id: number): Promise<void>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  clear(): Promise<void>;
}

export async function openDiaryStore(name = 'worklog-diary'): Promise<DiaryStore> {
  const db: IDBPDatabase = await openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore('outbox', { keyPath: 'client_ref' });
      db.createObjectStore('entries', { keyPath: 'id' });
      db.createObjectStore('meta');
    },
  });
  return {
    async pending() {
      const all = (await db.getAll('outbox')) as PendingLine[];
      return all.sort((a, b) => a.queued_at.localeCompare(b.queued_at));
    },
    async putPending(line) {
      await db.put('outbox', line);
    },
    async deletePending(ref) {
      await db.delete('outbox', ref);
    },
    async entries() {
      return (await db.getAll('entries')) as Entry[];
    },
    async putEntries(items) {
      const tx = db.transaction('entries', 'readwrite');
      await Promise.all([...items.map((e) => tx.store.put(e)), tx.done]);
    },
    async deleteEntry(id) {
      await db.delete('entries', id);
    },
    async getMeta(key) {
      return (await db.get('meta', key)) as string | undefined;
    },
    async setMeta(key, value) {
      await db.put('meta', value, key);
    },
    async clear() {
      await Promise.all([db.clear('outbox'), db.clear('entries'), db.clear('meta')]);
    },
  };
}

export function newClientRef(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `ref-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export interface FlushResult {
  sent: Entry[];
  failed: PendingLine[];
  /** No connection: the rest waits. */
  offline: boolean;
}

const EPOCH = '1970-01-01T00:00:00Z';

/** The outbox and the mirror, bound to an API client. */
export class Diary {
  private flushing: Promise<FlushResult> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly api: Api,
    readonly store: DiaryStore,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed() {
    for (const l of this.listeners) l();
  }

  /** Queues a line and tries to send it at once. Never loses it: offline, it waits. */
  async add(body: NewEntry): Promise<PendingLine> {
    const client_ref = body.client_ref ?? newClientRef();
    const line: PendingLine = { client_ref, body: { ...body, client_ref }, queued_at: new Date().toISOString() };
    await this.store.putPending(line);
    this.changed();
    await this.flush();
    return line;
  }

  /** Sends every waiting line, oldest first; one flush at a time. */
  flush(): Promise<FlushResult> {
    if (!this.flushing) {
      this.flushing = this.doFlush().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async doFlush(): Promise<FlushResult> {
    const result: FlushResult = { sent: [], failed: [], offline: false };
    for (const line of await this.store.pending()) {
      if (line.error) {
        result.failed.push(line);
        continue;
      }
      try {
        const entry = await call(this.api.POST('/api/v1/entries', { body: line.body }));
        await this.store.putEntries([entry]);
        await this.store.deletePending(line.client_ref);
        result.sent.push(entry);
      } catch (e) {
        if (e instanceof ApiError && (e.offline || e.status >= 500 || e.status === 429 || e.status === 401)) {
          // No connection, a server in trouble or no valid session: try again later, as is.
          result.offline = true;
          break;
        }
        const failed = { ...line, error: e instanceof Error ? e.message : String(e) };
        await this.store.putPending(failed);
        result.failed.push(failed);
      }
    }
    this.changed();
    return result;
  }

  /** Forgets a line the server refused (or one the person no longer wants to send). */
  async discard(ref: string): Promise<void> {
    await this.store.deletePending(ref);
    this.changed();
  }

  /** Retries a refused line after the person changed it. */
  async retry(ref: string, body: NewEntry): Promise<void> {
    await this.store.putPending({ client_ref: ref, body: { ...body, client_ref: ref }, queued_at: new Date().toISOString() });
    this.changed();
    await this.flush();
  }

  /** Pulls the sync feed into the mirror; returns the entries that changed. */
  async pull(limit = 500): Promise<Entry[]> {
    let since = (await this.store.getMeta('since')) ?? EPOCH;
    const changed: Entry[] = [];
    for (;;) {
      const page = await call(this.api.GET('/api/v1/entries/changes', { params: { query: { since, limit } } }));
      const live = page.items.filter((e) => !e.deleted);
      await this.store.putEntries(live);
      for (const gone of page.items.filter((e) => e.deleted)) await this.store.deleteEntry(gone.id);
      changed.push(...page.items);
      const advanced = page.next_since !== since;
      since = page.next_since;
      await this.store.setMeta('since', since);
      if (page.items.length < limit || !advanced) break;
    }
    if (changed.length) this.changed();
    return changed;
  }

  /** Sends what waits, then pulls what changed: what "back online" does. */
  async sync(): Promise<FlushResult> {
    const flushed = await this.flush();
    if (!flushed.offline) {
      try {
        await this.pull();
      } catch (e) {
        if (!(e instanceof ApiError && e.offline)) throw e;
      }
    }
    return flushed;
  }

  /** Records an entry the app changed through the API (edit, submit, delete) in the mirror. */
  async remember(entries: Entry[]): Promise<void> {
    await this.store.putEntries(entries.filter((e) => !e.deleted));
    for (const gone of entries.filter((e) => e.deleted)) await this.store.deleteEntry(gone.id);
    this.changed();
  }

  async forget(id: number): Promise<void> {
    await this.store.deleteEntry(id);
    this.changed();
  }

  async day(date: string): Promise<{ entries: Entry[]; pending: PendingLine[] }> {
    const [entries, pending] = await Promise.all([this.store.entries(), this.store.pending()]);
    return {
      entries: entries.filter((e) => e.work_date === date).sort((a, b) => a.id - b.id),
      pending: pending.filter((p) => p.body.work_date === date),
    };
  }
}
