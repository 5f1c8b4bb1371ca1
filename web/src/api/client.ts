// The one place the app talks HTTP. Screens call `api` (the generated, typed openapi-fetch
// client) through `call()`; this wrapper adds the bearer token, renews it quietly with the
// refresh token (one refresh in flight however many requests failed with 401 at once), sends
// the chosen language, and turns problem+json answers into `ApiError`.
import createClient from 'openapi-fetch';
import type { components, operations, paths } from './generated/schema';

export type Schemas = components['schemas'];
/** The query parameters of an operation, as the spec declares them. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** The problem type of a 403 answered while an administrator's password reset is pending. */
export const PASSWORD_CHANGE_REQUIRED = 'urn:worklog-kpi:problem:password-change-required';
export type FieldError = Schemas['FieldError'];

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Where the tokens live (localStorage in the browser, memory in tests). */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

/** A problem+json answer (RFC 9457), or a network failure (`status` 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];

  constructor(status: number, problem: Partial<Schemas['Problem']>) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = problem.type ?? 'about:blank';
    this.title = problem.title ?? '';
    this.detail = problem.detail ?? '';
    this.errors = problem.errors ?? [];
  }

  /** The message of one field, for showing beside its input. */
  field(name: string): string | undefined {
    return this.errors.find((e) => e.field === name)?.message;
  }

  /** No answer from the server at all (offline, DNS, connection refused). */
  get offline(): boolean {
    return this.status === 0;
  }
}

export interface ClientOptions {
  baseUrl?: string;
  store: TokenStore;
  language: () => string;
  /** Called when the refresh token is refused too: the person must sign in again. */
  onSignedOut?: () => void;
  /** Called when a route answers 403 `password-change-required`: the person must choose a new
   * password (`POST /me/password`) before anything else works. */
  onPasswordChangeRequired?: () => void;
  fetch?: typeof fetch;
}

const NO_RETRY = ['/api/v1/auth/login', '/api/v1/auth/refresh'];

export function createApi(options: ClientOptions) {
  const baseFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let refreshing: Promise<string | null> | null = null;

  async function refreshTokens(): Promise<string | null> {
    const current = options.store.get();
    if (!current) return null;
    const url = `${options.baseUrl ?? ''}/api/v1/auth/refresh`;
    let res: Response;
    try {
      res = await baseFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': options.language() },
        body: JSON.stringify({ refresh_token: current.refresh_token }),
      });
    } catch {
      // Offline: keep the tokens, the next request will try again.
      return null;
    }
    if (!res.ok) {
      if (res.status === 401 || res.status === 403) {
        options.store.set(null);
        options.onSignedOut?.();
      }
      return null;
    }
    const body = (await res.json()) as Schemas['TokenResponse'];
    options.store.set({ access_token: body.access_token, refresh_token: body.refresh_token });
    return body.access_token;
  }

  /** One refresh at a time: concurrent 401s wait for the same rotation (the old refresh token
   * is single-use, so a second parallel refresh would sign the person out). */
  function refreshOnce(): Promise<string | null> {
    if (!refreshing) {
      refreshing = refreshTokens().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  async function authFetch(request: Request): Promise<Response> {
    const path = new URL(request.url, 'http://x').pathname;
    const retry = request.clone();
    const send = (req: Request, token: string | undefined) => {
      req.headers.set('Accept-Language', options.language());
      if (token && !NO_RETRY.includes(path)) req.headers.set('Authorization', `Bearer ${token}`);
      return baseFetch(req);
    };
    const res = await send(request, options.store.get()?.access_token);
    if (res.status === 403) await watchPasswordChange(res);
    if (res.status !== 401 || NO_RETRY.includes(path) || !options.store.get()) return res;
    const token = await refreshOnce();
    if (!token) return res;
    const again = await send(retry, token);
    if (again.status === 403) await watchPasswordChange(again);
    return again;
  }

  async function watchPasswordChange(res: Response): Promise<void> {
    if (!options.onPasswordChangeRequired || !(res.headers.get('Content-Type') ?? '').includes('json')) return;
    try {
      const problem = (await res.clone().json()) as Partial<Schemas['Problem']>;
      if (problem.type === PASSWORD_CHANGE_REQUIRED) options.onPasswordChangeRequired();
    } catch {
      // Not a problem document: nothing to do.
    }
  }

  const api = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    fetch: authFetch,
  });

  async function login(username: string, password: string): Promise<Schemas['TokenResponse']> {
    const body = await call(api.POST('/api/v1/auth/login', { body: { username, password } }));
    options.store.set({ access_token: body.access_token, refresh_token: body.refresh_token });
    return body;
  }

  async function logout(): Promise<void> {
    const tokens = options.store.get();
    if (tokens) {
      try {
        await api.POST('/api/v1/auth/logout', { body: { refresh_token: tokens.refresh_token } });
      } catch {
        // Signing out locally is what matters.
      }
    }
    options.store.set(null);
  }

  /** Chooses a new password; the answer carries fresh tokens (other sessions end). */
  async function changePassword(current_password: string, new_password: string): Promise<void> {
    const body = await call(api.POST('/api/v1/me/password', { body: { current_password, new_password } }));
    options.store.set({ access_token: body.access_token, refresh_token: body.refresh_token });
  }

  return { api, login, logout, changePassword, refresh: refreshOnce, store: options.store };
}

export type Api = ReturnType<typeof createApi>['api'];

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

async function settle<T>(pending: Promise<FetchResult<T>>): Promise<FetchResult<T>> {
  try {
    return await pending;
  } catch (e) {
    throw new ApiError(0, {
      type: 'network',
      title: 'offline',
      detail: e instanceof Error ? e.message : String(e),
    });
  }
}

function toError(result: FetchResult<unknown>): ApiError {
  const problem = (result.error && typeof result.error === 'object' ? result.error : {}) as Partial<Schemas['Problem']>;
  return new ApiError(result.response.status, problem);
}

/** Awaits an openapi-fetch call: its data, or an `ApiError` thrown. */
export async function call<T>(pending: Promise<FetchResult<T>>): Promise<T> {
  const result = await settle(pending);
  if (!result.response.ok) throw toError(result);
  return result.data as T;
}

/** Like `call`, with the answer's `ETag` (send it back as `If-Match` when editing). */
export async function callVersioned<T>(pending: Promise<FetchResult<T>>): Promise<{ data: T; etag: string | null }> {
  const result = await settle(pending);
  if (!result.response.ok) throw toError(result);
  return { data: result.data as T, etag: result.response.headers.get('ETag') };
}

/** The `If-Match` value of a versioned resource read earlier (`"<version>"`). */
export function ifMatch(version: number | string): { 'If-Match': string } {
  return { 'If-Match': typeof version === 'number' ? `"${version}"` : version };
}

/** localStorage token store (the browser). */
export const browserTokenStore: TokenStore = {
  get() {
    try {
      const raw = localStorage.getItem('worklog.tokens');
      return raw ? (JSON.parse(raw) as Tokens) : null;
    } catch {
      return null;
    }
  },
  set(tokens) {
    if (tokens) localStorage.setItem('worklog.tokens', JSON.stringify(tokens));
    else localStorage.removeItem('worklog.tokens');
  },
};
