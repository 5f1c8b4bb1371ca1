// Renders the PWA's PNG icons from public/icon.svg in headless Chromium (playwright-core, already
// a dev dependency; Debian's chromium): 192 and 512 px "any" icons with the rounded square, and
// 192 and 512 px "maskable" ones, full-bleed (no transparent corners: the launcher applies its own
// mask; the glyph already sits inside the 80 % safe zone). Chromium's installability check wants
// PNG icons. The PNGs are committed (rendering is not byte-stable across Chromium versions, so the
// build does not redo it): run `npm run icons` after changing icon.svg.
//
// Environment: CHROMIUM (default /usr/bin/chromium).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const pub = join(dirname(fileURLToPath(import.meta.url)), '../public');
const svg = readFileSync(join(pub, 'icon.svg'), 'utf8');
// Maskable: the same drawing with square corners.
const maskable = svg.replace(/ rx="\d+"/, '');
if (maskable === svg) throw new Error('icon.svg: the rounded background (rx) was not found');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--force-color-profile=srgb'],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const [name, source] of [
    ['icon', svg],
    ['icon-maskable', maskable],
  ]) {
    for (const size of [192, 512]) {
      await page.setViewportSize({ width: size, height: size });
      const url = `data:image/svg+xml;base64,${Buffer.from(source).toString('base64')}`;
      await page.setContent(
        `<html><body style="margin:0;background:transparent"><img src="${url}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      await page.locator('img').evaluate((img) => img.decode());
      const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      writeFileSync(join(pub, `${name}-${size}.png`), png);
      console.log(`icons: ${name}-${size}.png (${png.length} bytes)`);
    }
  }
} finally {
  await browser.close();
}
