import { describe, expect, it } from 'vitest';
import { badgeText, ballotReady, changeLabel, nextToRate, noteLink, scaleValues, shares, toggleChoice } from '../src/lib/ballots';

const fmt = (n: number) => n.toFixed(2);

describe('ballot helpers', () => {
  it('lists the scale from min to max', () => {
    expect(scaleValues({ min: 1, max: 5 })).toEqual([1, 2, 3, 4, 5]);
    expect(scaleValues({ min: 0, max: 0 })).toEqual([0]);
  });

  it('moves to the next candidate not yet rated, wrapping round', () => {
    const list = [
      { staff_id: 1, voted: false },
      { staff_id: 2, voted: true },
      { staff_id: 3, voted: false },
    ];
    expect(nextToRate(list)?.staff_id).toBe(1);
    expect(nextToRate(list, 1)?.staff_id).toBe(3);
    expect(nextToRate(list, 3)?.staff_id).toBe(1);
    expect(nextToRate(list.map((c) => ({ ...c, voted: true })), 1)).toBeNull();
    expect(nextToRate([])).toBeNull();
  });

  it('casts only a ballot with a score on every criterion', () => {
    expect(ballotReady([5, 4, 3], 3)).toBe(true);
    expect(ballotReady([5, null, 3], 3)).toBe(false);
    expect(ballotReady([5, 4], 3)).toBe(false);
    expect(ballotReady([], 0)).toBe(false);
  });

  it('signs the change since the previous campaign', () => {
    expect(changeLabel(0.5, fmt)).toBe('+0.50');
    expect(changeLabel(-0.25, fmt)).toBe('−0.25');
    expect(changeLabel(0.001, fmt)).toBe('0.00');
    expect(changeLabel(null, fmt)).toBe('—');
  });

  it('turns a distribution into shares', () => {
    expect(shares([0, 1, 3])).toEqual([0, 0.25, 0.75]);
    expect(shares([0, 0])).toEqual([0, 0]);
  });

  it('never chooses more than the quota', () => {
    expect(toggleChoice([], 4, 2)).toEqual([4]);
    expect(toggleChoice([4, 5], 6, 2)).toEqual([4, 5]);
    expect(toggleChoice([4, 5], 4, 2)).toEqual([5]);
  });
});

describe('inbox helpers', () => {
  it('caps the bell at 9+ and hides zero', () => {
    expect(badgeText(0)).toBe('');
    expect(badgeText(3)).toBe('3');
    expect(badgeText(12)).toBe('9+');
  });

  it('links each kind to the screen that needs the reader', () => {
    expect(noteLink('line_returned', { work_date: '2026-11-27' })).toBe('/diary/2026-11-27');
    expect(noteLink('week_short', {})).toBe('/week');
    expect(noteLink('approvals_waiting', {})).toBe('/approvals');
    expect(noteLink('unknown', {})).toBeNull();
  });
});
