import { describe, expect, it } from 'vitest';
import vi from '../src/i18n/vi.json';
import en from '../src/i18n/en.json';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('messages', () => {
  it('Vietnamese and English have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
  });

  it('no message is empty and placeholders match', () => {
    for (const [key, text] of Object.entries(vi)) {
      const other = (en as Record<string, string>)[key]!;
      expect(text.length, key).toBeGreaterThan(0);
      expect(other.length, key).toBeGreaterThan(0);
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(other), key).toEqual(names(text));
    }
  });

  it('every literal key used in the code exists', () => {
    const used = new Set<string>();
    for (const file of sources(join(import.meta.dirname, '../src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([a-z_]+\.[a-z_.]+)'/g)) used.add(m[1]!);
    }
    const missing = [...used].filter((k) => !(k in vi));
    expect(missing).toEqual([]);
  });
});
