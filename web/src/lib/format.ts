// Vietnamese-first formatting through Intl (no hand-written number or date code).
import { currentLang } from '../i18n';

const locale = () => (currentLang() === 'vi' ? 'vi-VN' : 'en-GB');

/** `73,30` in Vietnamese, `73.30` in English. */
export function formatNumber(value: number, digits = 2): string {
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

export function formatInteger(value: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value);
}

/** `1.265.000 ₫`. */
export function formatMoney(value: number): string {
  return new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND', maximumFractionDigits: 0 }).format(value);
}

/** An ISO date (`2026-11-30`) as `30/11/2026` (both languages: dd/mm/yyyy). */
export function formatDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return iso;
  return new Intl.DateTimeFormat('vi-VN', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

export function formatWeekday(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(y!, m! - 1, d!)));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** Minutes as hours and minutes: `7 giờ 30 phút` / `7 h 30 min`. */
export function formatMinutes(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  const vi = currentLang() === 'vi';
  if (h === 0) return `${sign}${m} ${vi ? 'phút' : 'min'}`;
  if (m === 0) return `${sign}${h} ${vi ? 'giờ' : 'h'}`;
  return `${sign}${h} ${vi ? 'giờ' : 'h'} ${m} ${vi ? 'phút' : 'min'}`;
}

/** Dates as ISO strings in the organisation's calendar (the device's local day). */
export function isoDate(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  const date = new Date(y!, m! - 1, d! + days);
  return isoDate(date);
}

export function today(): string {
  return isoDate(new Date());
}

/** `2026-11` of a date. */
export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

export function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number);
  const date = new Date(y!, m! - 2, 1);
  return isoDate(date).slice(0, 7);
}
