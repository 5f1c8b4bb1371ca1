// First load on a mid-range phone profile: Chromium CPU throttling ×4 and Lighthouse's "slow 4G"
// (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up), cold cache. Reports the bytes of JS and CSS on the
// wire (gzip) and when the sign-in form is interactive (rendered by the app, main thread idle).
export async function measure(base, browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const types = new Map();
  let gzipBytes = 0;
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    const type = types.get(e.requestId);
    if (type === 'Script' || type === 'Stylesheet') gzipBytes += e.encodedDataLength;
  });
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.startTime + entry.duration);
    }).observe({ type: 'longtask', buffered: true });
    window.__lcp = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__lcp = entry.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  });
  await page.goto(`${base}/login`, { waitUntil: 'load' });
  await page.locator('#username').waitFor();
  // Interactive: the form is rendered and no long task ran in the last 500 ms (a TTI-like quiet window).
  const figures = await page.evaluate(async () => {
    const rendered = performance.now();
    for (;;) {
      const last = Math.max(0, ...window.__longTasks);
      if (performance.now() - Math.max(last, rendered) >= 500) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      renderedMs: Math.round(rendered),
      interactiveMs: Math.round(Math.max(rendered, ...window.__longTasks)),
      firstContentfulPaintMs: Math.round(fcp ? fcp.startTime : 0),
      largestContentfulPaintMs: Math.round(window.__lcp),
      domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
      loadMs: Math.round(nav.loadEventEnd),
    };
  });
  await context.close();
  return { ...figures, gzipBytes };
}
