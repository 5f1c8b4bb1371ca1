import { describe, expect, it } from 'vitest';
import { ApiError, call, callVersioned, createApi, ifMatch, PASSWORD_CHANGE_REQUIRED, type TokenStore, type Tokens } from '../src/api/client';

function memoryStore(initial: Tokens | null): TokenStore & { value: Tokens | null } {
  const s = {
    value: initial,
    get: () => s.value,
    set: (t: Tokens | null) => {
      s.value = t;
    },
  };
  return s;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

/** A fake server: the access token `good-N` is valid; `/auth/refresh` rotates refresh tokens. */
function fakeServer() {
  const log: { path: string; auth: string | null; lang: string | null }[] = [];
  let generation = 1;
  let refreshCalls = 0;
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(String(input), init);
    const path = new URL(req.url).pathname;
    log.push({ path, auth: req.headers.get('Authorization'), lang: req.headers.get('Accept-Language') });
    if (path === '/api/v1/auth/refresh') {
      refreshCalls++;
      const body = (await req.json()) as { refresh_token: string };
      if (body.refresh_token !== `refresh-${generation}`) return json(401, { type: 'unauthorized', title: 'Unauthorized', status: 401, detail: 'expired' });
      generation++;
      await new Promise((r) => setTimeout(r, 5));
      return json(200, { access_token: `good-${generation}`, refresh_token: `refresh-${generation}`, token_type: 'Bearer', expires_in: 900 });
    }
    if (req.headers.get('Authorization') !== `Bearer good-${generation}`)
      return json(401, { type: 'unauthorized', title: 'Unauthorized', status: 401, detail: 'Phiên đăng nhập đã hết hạn.' });
    if (path === '/api/v1/entries/7')
      return json(422, {
        type: 'validation',
        title: 'Invalid',
        status: 422,
        detail: 'Dữ liệu không hợp lệ.',
        errors: [{ field: 'minutes', code: 'range', message: 'Số phút phải từ 1 đến 1440.' }],
      });
    return json(200, { staff: { id: 1 }, headed_unit_ids: [] }, { ETag: '"3"' });
  };
  return { fetch, log, refreshCalls: () => refreshCalls, expire: () => generation++ };
}

describe('the API client', () => {
  it('sends the bearer token and the chosen language', async () => {
    const server = fakeServer();
    const store = memoryStore({ access_token: 'good-1', refresh_token: 'refresh-1' });
    const { api } = createApi({ baseUrl: 'http://test', store, language: () => 'en', fetch: server.fetch as typeof fetch });
    const res = await callVersioned(api.GET('/api/v1/me'));
    expect(res.etag).toBe('"3"');
    expect(server.log[0]).toEqual({ path: '/api/v1/me', auth: 'Bearer good-1', lang: 'en' });
  });

  it('renews an expired token quietly, once for many parallel requests, and retries them', async () => {
    const server = fakeServer();
    const store = memoryStore({ access_token: 'good-1', refresh_token: 'refresh-1' });
    const { api } = createApi({ baseUrl: 'http://test', store, language: () => 'vi', fetch: server.fetch as typeof fetch });
    // The access token expired; the refresh token is still current.
    server.expire();
    store.value = { access_token: 'stale', refresh_token: 'refresh-2' };
    const results = await Promise.all([1, 2, 3].map(() => call(api.GET('/api/v1/me'))));
    expect(results).toHaveLength(3);
    expect(server.refreshCalls()).toBe(1);
    expect(store.value).toEqual({ access_token: 'good-3', refresh_token: 'refresh-3' });
    // Each request was retried with the new token.
    const retried = server.log.filter((l) => l.path === '/api/v1/me' && l.auth === 'Bearer good-3');
    expect(retried).toHaveLength(3);
  });

  it('signs out when the refresh token is refused too', async () => {
    const server = fakeServer();
    const store = memoryStore({ access_token: 'stale', refresh_token: 'refresh-old' });
    let signedOut = 0;
    const { api } = createApi({
      baseUrl: 'http://test',
      store,
      language: () => 'vi',
      fetch: server.fetch as typeof fetch,
      onSignedOut: () => signedOut++,
    });
    const error = await call(api.GET('/api/v1/me')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(store.value).toBeNull();
    expect(signedOut).toBe(1);
  });

  it('turns problem+json into a typed error with its field errors', async () => {
    const server = fakeServer();
    const store = memoryStore({ access_token: 'good-1', refresh_token: 'refresh-1' });
    const { api } = createApi({ baseUrl: 'http://test', store, language: () => 'vi', fetch: server.fetch as typeof fetch });
    const error = (await call(
      api.PATCH('/api/v1/entries/{id}', { params: { path: { id: 7 }, header: ifMatch(3) }, body: { minutes: 5000 } }),
    ).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.type).toBe('validation');
    expect(error.detail).toBe('Dữ liệu không hợp lệ.');
    expect(error.field('minutes')).toBe('Số phút phải từ 1 đến 1440.');
    expect(server.log[0]!.path).toBe('/api/v1/entries/7');
  });

  it('reports a failed connection as an offline error', async () => {
    const store = memoryStore({ access_token: 'good-1', refresh_token: 'refresh-1' });
    const { api } = createApi({
      baseUrl: 'http://test',
      store,
      language: () => 'vi',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as typeof fetch,
    });
    const error = (await call(api.GET('/api/v1/me')).catch((e: unknown) => e)) as ApiError;
    expect(error.offline).toBe(true);
    expect(store.value).not.toBeNull();
  });

  it('a 403 password-change-required tells the app; other 403s do not; the new password stores the new tokens', async () => {
    const store = memoryStore({ access_token: 'old', refresh_token: 'r-old' });
    let told = 0;
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(String(input), init);
      const path = new URL(req.url).pathname;
      if (path === '/api/v1/me/password') {
        const body = (await req.json()) as { current_password: string; new_password: string };
        if (body.new_password.length < 10)
          return json(422, {
            type: 'urn:worklog-kpi:problem:validation',
            title: 'Invalid',
            status: 422,
            detail: 'Dữ liệu không hợp lệ.',
            errors: [{ field: 'new_password', code: 'length', message: 'Mật khẩu phải có ít nhất 10 ký tự.' }],
          });
        return json(200, { access_token: 'new', refresh_token: 'r-new', token_type: 'Bearer', expires_in: 900, must_change_password: false });
      }
      if (path === '/api/v1/entries') return json(403, { type: PASSWORD_CHANGE_REQUIRED, title: 'Forbidden', status: 403, detail: 'Hãy đổi mật khẩu.' });
      return json(403, { type: 'urn:worklog-kpi:problem:forbidden', title: 'Forbidden', status: 403, detail: 'Không được phép.' });
    }) as typeof globalThis.fetch;
    const client = createApi({ baseUrl: 'http://test', store, language: () => 'vi', fetch, onPasswordChangeRequired: () => told++ });
    const error = (await call(client.api.GET('/api/v1/staff')).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(403);
    expect(told).toBe(0);
    const forced = (await call(client.api.GET('/api/v1/entries')).catch((e: unknown) => e)) as ApiError;
    // The body is still readable by the caller after the client looked at it.
    expect(forced.type).toBe(PASSWORD_CHANGE_REQUIRED);
    expect(forced.detail).toBe('Hãy đổi mật khẩu.');
    expect(told).toBe(1);
    const weak = (await client.changePassword('old-password', 'short').catch((e: unknown) => e)) as ApiError;
    expect(weak.field('new_password')).toBe('Mật khẩu phải có ít nhất 10 ký tự.');
    expect(store.value).toEqual({ access_token: 'old', refresh_token: 'r-old' });
    await client.changePassword('old-password', 'một câu đủ dài để nhớ');
    expect(store.value).toEqual({ access_token: 'new', refresh_token: 'r-new' });
  });

  it('formats If-Match from a version', () => {
    expect(ifMatch(4)).toEqual({ 'If-Match': '"4"' });
    expect(ifMatch('W/"4"')).toEqual({ 'If-Match': 'W/"4"' });
  });
});
