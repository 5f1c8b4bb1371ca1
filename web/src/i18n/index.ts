// Vietnamese is the source language and the default; English follows key for key (a test checks).
import vi from './vi.json';
import en from './en.json';

export type Lang = 'vi' | 'en';
export type MessageKey = keyof typeof vi;

const dictionaries: Record<Lang, Record<string, string>> = { vi, en };
let lang: Lang = 'vi';

export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem('worklog.lang');
    if (saved === 'en' || saved === 'vi') return saved;
  } catch {
    // No storage (tests): the default.
  }
  return 'vi';
}

export function setLang(next: Lang) {
  lang = next;
  try {
    localStorage.setItem('worklog.lang', next);
    document.documentElement.lang = next;
  } catch {
    // Not in a browser.
  }
}

export function currentLang(): Lang {
  return lang;
}

/** A message with `{name}` placeholders filled. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[lang][key] ?? dictionaries.vi[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}
