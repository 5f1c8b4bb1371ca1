// Service worker: keeps the app shell (index.html and the hashed assets it names) so the diary
// opens with no connection. API calls are never cached here: the diary's offline data lives in
// IndexedDB and is synchronised by the app itself.
const CACHE = 'worklog-shell-v2';
const SHELL = ['/', '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The hashed bundle named by index.html.
      const html = await (await cache.match('/')).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      // The screens loaded on first use: the entry script names their chunks ("./Name-hash.js").
      const chunks = new Set();
      for (const script of assets.filter((a) => a.endsWith('.js'))) {
        const code = await (await cache.match(script)).text();
        for (const m of code.matchAll(/"\.\/([A-Za-z0-9_-]+\.(?:js|css))"/g)) chunks.add(`/assets/${m[1]}`);
      }
      await cache.addAll([...chunks]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/api-docs') || url.pathname.startsWith('/docs')) return;
  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change: cache first.
    event.respondWith(
      caches.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((res) => {
            const copy = res.clone();
            if (res.ok) caches.open(CACHE).then((c) => c.put(req, copy));
            return res;
          }),
      ),
    );
    return;
  }
  if (req.mode === 'navigate') {
    // Pages: the network first (a new build is seen at once), the cached shell when offline.
    event.respondWith(
      fetch(req)
        .then((res) => {
          const copy = res.clone();
          if (res.ok) caches.open(CACHE).then((c) => c.put('/', copy));
          return res;
        })
        .catch(() => caches.match('/')),
    );
  }
});
