import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createApi, type Tokens } from '../src/api/client';
import { Diary, openDiaryStore, type Entry } from '../src/api/offline';

let dbCounter = 0;

/** A fake diary API: creates replay by client_ref (as the real one), the feed returns changes. */
function fakeApi() {
  let online = false;
  let nextId = 1;
  const created = new Map<string, Entry>();
  let posts = 0;
  const changes: Entry[] = [];
  const entry = (body: Record<string, unknown>, id: number): Entry => ({
    id,
    staff_id: 1,
    unit_id: 1,
    work_date: String(body.work_date),
    product_id: Number(body.product_id),
    quantity: Number(body.quantity ?? 1),
    minutes: Number(body.minutes),
    note: String(body.note ?? ''),
    state: 'draft',
    rework_count: 0,
    deleted: false,
    version: 1,
    client_ref: String(body.client_ref),
    created_at: '2026-11-30T08:00:00Z',
    updated_at: `2026-11-30T08:00:0${id}Z`,
  });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (!online) throw new TypeError('Failed to fetch');
    const req = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(req.url);
    if (req.method === 'POST' && url.pathname === '/api/v1/entries') {
      posts++;
      const body = (await req.json()) as Record<string, unknown>;
      if (Number(body.minutes) > 1440)
        return new Response(JSON.stringify({ type: 'validation', title: 'Invalid', status: 422, detail: 'Số phút quá lớn.', errors: [] }), {
          status: 422,
          headers: { 'Content-Type': 'application/problem+json' },
        });
      const ref = String(body.client_ref);
      const existing = created.get(ref);
      if (existing) return Response.json(existing, { status: 200 });
      const e = entry(body, nextId++);
      created.set(ref, e);
      changes.push(e);
      return Response.json(e, { status: 201 });
    }
    if (url.pathname === '/api/v1/entries/changes') {
      const since = url.searchParams.get('since')!;
      const items = changes.filter((c) => c.updated_at > since).sort((a, b) => a.updated_at.localeCompare(b.updated_at));
      return Response.json({ items, next_since: items.at(-1)?.updated_at ?? since });
    }
    return new Response('{}', { status: 404 });
  };
  return {
    fetch,
    setOnline: (v: boolean) => {
      online = v;
    },
    posts: () => posts,
    created,
    changes,
  };
}

async function setup() {
  const server = fakeApi();
  let tokens: Tokens | null = { access_token: 'a', refresh_token: 'r' };
  const client = createApi({
    baseUrl: 'http://test',
    store: { get: () => tokens, set: (t) => (tokens = t) },
    language: () => 'vi',
    fetch: server.fetch as typeof fetch,
  });
  const diary = new Diary(client.api, await openDiaryStore(`test-${dbCounter++}`));
  return { server, diary };
}

const line = { work_date: '2026-11-30', product_id: 3, quantity: 2, minutes: 60, note: 'Hồ sơ' };

describe('the offline diary', () => {
  it('keeps lines written offline and sends each once when the connection returns', async () => {
    const { server, diary } = await setup();
    await diary.add(line);
    await diary.add({ ...line, minutes: 90 });
    let day = await diary.day('2026-11-30');
    expect(day.pending).toHaveLength(2);
    expect(day.entries).toHaveLength(0);
    expect(server.posts()).toBe(0);

    server.setOnline(true);
    const result = await diary.sync();
    expect(result.sent).toHaveLength(2);
    day = await diary.day('2026-11-30');
    expect(day.pending).toHaveLength(0);
    expect(day.entries.map((e) => e.minutes)).toEqual([60, 90]);
    expect(server.created.size).toBe(2);
    // A second sync sends nothing more.
    await diary.sync();
    expect(server.posts()).toBe(2);
  });

  it('never duplicates a line whose answer was lost: the retry carries the same client_ref', async () => {
    const { server, diary } = await setup();
    server.setOnline(true);
    const pending = await diary.add(line);
    // The server got it, but pretend the device did not hear back: put it back in the outbox.
    await diary.store.putPending(pending);
    await diary.flush();
    expect(server.posts()).toBe(2);
    expect(server.created.size).toBe(1);
    expect((await diary.day('2026-11-30')).entries).toHaveLength(1);
  });

  it('sends one flush at a time even when asked twice', async () => {
    const { server, diary } = await setup();
    await diary.add(line);
    server.setOnline(true);
    await Promise.all([diary.flush(), diary.flush(), diary.sync()]);
    expect(server.posts()).toBe(1);
  });

  it('keeps a line the server refused, with the reason, without blocking the others', async () => {
    const { server, diary } = await setup();
    await diary.add({ ...line, minutes: 5000 });
    await diary.add(line);
    server.setOnline(true);
    const result = await diary.flush();
    expect(result.sent).toHaveLength(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.error).toBe('Số phút quá lớn.');
    const day = await diary.day('2026-11-30');
    expect(day.pending).toHaveLength(1);
    await diary.discard(day.pending[0]!.client_ref);
    expect((await diary.day('2026-11-30')).pending).toHaveLength(0);
  });

  it('brings back changes made elsewhere through the sync feed and remembers where it stopped', async () => {
    const { server, diary } = await setup();
    server.setOnline(true);
    await diary.pull();
    // Another device logs a line, and an approver approves it.
    server.changes.push({ ...(await serverEntry(server)), id: 50, updated_at: '2026-11-30T09:00:00Z' });
    const changed = await diary.pull();
    expect(changed.map((e) => e.id)).toEqual([50]);
    expect((await diary.day('2026-11-30')).entries.map((e) => e.id)).toEqual([50]);
    server.changes.push({ ...server.changes[0]!, id: 50, state: 'approved', updated_at: '2026-11-30T10:00:00Z' });
    await diary.pull();
    expect((await diary.day('2026-11-30')).entries[0]!.state).toBe('approved');
    server.changes.push({ ...server.changes[0]!, id: 50, deleted: true, updated_at: '2026-11-30T11:00:00Z' });
    await diary.pull();
    expect((await diary.day('2026-11-30')).entries).toHaveLength(0);
    expect(await diary.store.getMeta('since')).toBe('2026-11-30T11:00:00Z');
  });
});

async function serverEntry(_server: ReturnType<typeof fakeApi>): Promise<Entry> {
  return {
    id: 0,
    staff_id: 1,
    unit_id: 1,
    work_date: '2026-11-30',
    product_id: 3,
    quantity: 1,
    minutes: 30,
    note: '',
    state: 'submitted',
    rework_count: 0,
    deleted: false,
    version: 1,
    created_at: '2026-11-30T09:00:00Z',
    updated_at: '2026-11-30T09:00:00Z',
  };
}
