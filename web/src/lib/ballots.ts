// Pure helpers of the ballot and inbox screens (tested in tests/ballots.test.ts).

/** The whole numbers of a rating scale, from min to max. */
export function scaleValues(scale: { min: number; max: number }): number[] {
  const out: number[] = [];
  for (let v = scale.min; v <= scale.max; v++) out.push(v);
  return out;
}

/**
 * The candidate to show next: the first not yet rated after `currentId` in the list's order,
 * wrapping round; null when everyone is rated.
 */
export function nextToRate<C extends { staff_id: number; voted: boolean }>(candidates: C[], currentId?: number | null): C | null {
  const start = currentId == null ? 0 : candidates.findIndex((c) => c.staff_id === currentId) + 1;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[(start + i) % candidates.length]!;
    if (!c.voted) return c;
  }
  return null;
}

/** A ballot can be cast once every criterion has a score. */
export function ballotReady(scores: (number | null | undefined)[], criteria: number): boolean {
  return criteria > 0 && scores.length === criteria && scores.every((s) => typeof s === 'number');
}

/** The change since the previous campaign, signed with two decimals ("—" when there is none). */
export function changeLabel(change: number | null | undefined, format: (n: number) => string): string {
  if (change == null) return '—';
  if (Math.abs(change) < 0.005) return format(0);
  return `${change > 0 ? '+' : '−'}${format(Math.abs(change))}`;
}

/** Each bucket of a distribution as a share of all ballots (0..1; zeros when empty). */
export function shares(distribution: number[]): number[] {
  const total = distribution.reduce((a, b) => a + b, 0);
  return distribution.map((n) => (total ? n / total : 0));
}

/** Toggles a choice of the excellent-selection ballot, never beyond the quota. */
export function toggleChoice(choices: number[], id: number, quota: number): number[] {
  if (choices.includes(id)) return choices.filter((c) => c !== id);
  if (choices.length >= quota) return choices;
  return [...choices, id];
}

/** The bell's text: the count, "9+" above nine, nothing at zero. */
export function badgeText(unread: number): string {
  if (unread <= 0) return '';
  return unread > 9 ? '9+' : String(unread);
}

/** Where a note leads: the screen that needs the reader. */
export function noteLink(kind: string, params: Record<string, unknown>): string | null {
  switch (kind) {
    case 'week_short':
      return '/week';
    case 'approvals_waiting':
      return '/approvals';
    case 'line_returned':
      return typeof params.work_date === 'string' ? `/diary/${params.work_date}` : '/diary';
    case 'report_due':
      return '/dashboard';
    default:
      return null;
  }
}
