import { describe, expect, it } from 'vitest';
import type { Schemas } from '../src/api/client';
import {
  boundKind,
  boundValue,
  createStaffBody,
  currentPolicy,
  emptyStaffForm,
  lastWeeks,
  makeBound,
  policyDraft,
  staffFormOf,
  staffPatch,
  taskProgress,
  teamRows,
  weekGrid,
} from '../src/lib/admin';

const person = (over: Partial<Schemas['StaffView']> = {}): Schemas['StaffView'] => ({
  id: 7,
  username: 'nv.anh',
  full_name: 'Nguyễn Thị Ánh',
  roles: ['staff'],
  is_leader: false,
  contracts: [{ effective_from: '2026-01-01', weekly_hours: 40 }],
  active: true,
  has_password: true,
  version: 3,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  unit_id: 2,
  supervisor_id: 4,
  weekly_hours: 40,
  email: null,
  position: 'Chuyên viên',
  joined_on: '2026-01-01',
  ...over,
});

describe('the staff form', () => {
  it('an unchanged form sends an empty PATCH', () => {
    expect(staffPatch(person(), staffFormOf(person()), '2026-11-30')).toEqual({});
  });

  it('sends only what changed; clearing a text sends null; the role order does not matter', () => {
    const f = { ...staffFormOf(person({ roles: ['staff', 'head'] })), full_name: ' Nguyễn Thị Ánh B ', position: '', roles: ['head', 'staff'] as Schemas['Role'][] };
    expect(staffPatch(person({ roles: ['staff', 'head'] }), f, '2026-11-30')).toEqual({ full_name: 'Nguyễn Thị Ánh B', position: null });
  });

  it('a new weekly-hours figure becomes a contract from the chosen day, else from today', () => {
    const f = { ...staffFormOf(person()), weekly_hours: '20' };
    expect(staffPatch(person(), f, '2026-11-30')).toEqual({ contract: { weekly_hours: 20, effective_from: '2026-11-30' } });
    expect(staffPatch(person(), { ...f, weekly_hours: '20,5', contract_from: '2026-12-01' }, '2026-11-30')).toEqual({
      contract: { weekly_hours: 20.5, effective_from: '2026-12-01' },
    });
  });

  it('clearing the supervisor sends null, changing roles and unit sends them', () => {
    const f = { ...staffFormOf(person()), supervisor_id: null, unit_id: 5, roles: ['staff', 'head'] as Schemas['Role'][] };
    expect(staffPatch(person(), f, '2026-11-30')).toEqual({ supervisor_id: null, unit_id: 5, roles: ['staff', 'head'] });
  });

  it('a new person: trimmed texts, empty ones null, no password or hours when left empty', () => {
    const body = createStaffBody({ ...emptyStaffForm(), username: ' le.b ', full_name: 'Lê B', unit_id: 3, weekly_hours: '', email: ' ' });
    expect(body).toEqual({
      username: 'le.b',
      full_name: 'Lê B',
      roles: ['staff'],
      is_leader: false,
      unit_id: 3,
      supervisor_id: null,
      email: null,
      position: null,
      joined_on: null,
    });
    expect(createStaffBody({ ...emptyStaffForm(), password: 'x'.repeat(12) }).password).toBe('x'.repeat(12));
    expect(createStaffBody(emptyStaffForm()).weekly_hours).toBe(40);
  });
});

const policy = (over: Partial<Schemas['PolicyView']> = {}): Schemas['PolicyView'] => ({
  id: 1,
  code: 'decree-335-2025',
  version: 1,
  is_default: true,
  created_at: '2026-01-01T00:00:00Z',
  preset: {
    code: 'decree-335-2025',
    name_vi: 'Nghị định 335',
    name_en: 'Decree 335',
    periods: ['month', 'quarter', 'year'],
    thresholds: { excellent: { at_least: 90 }, good: { at_least: 70 }, complete: { above: 50 } },
    quota_share: 0.2,
    quota_by_ballot: false,
    criteria: [{ code: 'a', name_vi: 'A', name_en: 'A', max: 30 }],
    max_bonus: 0,
  },
  kpi: { combine: 'product', credit_mode: 'hours', leader_unit_weight: 0.5, max_bonus: 0, weights: { quantity: 1 / 3, quality: 1 / 3, progress: 1 / 3 } },
  ...over,
});

describe('a new policy version', () => {
  it('starts from everything the current version says, as a copy', () => {
    const p = policy();
    const draft = policyDraft(p);
    expect(draft).toEqual({ preset: p.preset, kpi: p.kpi, make_default: true });
    draft.preset.thresholds.excellent = { at_least: 95 };
    draft.preset.criteria[0]!.max = 20;
    expect(p.preset.thresholds.excellent).toEqual({ at_least: 90 });
    expect(p.preset.criteria[0]!.max).toBe(30);
  });

  it('the current policy is the default one, else the newest', () => {
    const a = policy({ id: 1, is_default: false });
    const b = policy({ id: 2, is_default: true });
    const c = policy({ id: 3, is_default: false });
    expect(currentPolicy([a, b, c])?.id).toBe(2);
    expect(currentPolicy([a, c])?.id).toBe(3);
    expect(currentPolicy([])).toBeUndefined();
  });

  it('bounds keep whether the value is included', () => {
    expect(boundKind({ above: 50 })).toBe('above');
    expect(boundValue({ above: 50 })).toBe(50);
    expect(boundKind({ at_least: 70 })).toBe('at_least');
    expect(makeBound('above', 80)).toEqual({ above: 80 });
    expect(makeBound('at_least', 80)).toEqual({ at_least: 80 });
  });
});

const week = (w: string, over: Partial<Schemas['WeekView']> = {}): Schemas['WeekView'] => ({
  week: w,
  monday: '2026-11-16',
  sunday: '2026-11-22',
  expected: 2400,
  logged: 2400,
  approved: 2400,
  in_progress: false,
  under_logged: false,
  gap: 0,
  streak: 0,
  ...over,
});

describe('the multi-week grid', () => {
  it('asks for the last n ISO weeks ending with the week of today', () => {
    expect(lastWeeks('2026-11-30', 6)).toEqual({ from: '2026-10-26', to: '2026-11-30' });
    expect(lastWeeks('2027-01-04', 2)).toEqual({ from: '2026-12-28', to: '2027-01-04' });
  });

  it('rows are people, columns every week in order; the server judges under-logging', () => {
    const a = person({ id: 1, full_name: 'A' });
    const b = person({ id: 2, full_name: 'B' });
    const grid = weekGrid([
      { staff: a, weeks: [week('2026-W47', { under_logged: true, gap: 420, logged: 1980 }), week('2026-W48', { in_progress: true, gap: 600 })] },
      // B joined later: no W47.
      { staff: b, weeks: [week('2026-W48'), week('2026-W46', { under_logged: true, gap: 60 })] },
    ]);
    expect(grid.weeks).toEqual(['2026-W46', '2026-W47', '2026-W48']);
    expect(grid.rows[0]!.cells.map((c) => c?.week ?? null)).toEqual([null, '2026-W47', '2026-W48']);
    // The running week's gap is not a shortfall: only under_logged weeks count.
    expect(grid.rows[0]!.under).toBe(1);
    expect(grid.rows[0]!.gap).toBe(420);
    expect(grid.rows[1]!.cells.map((c) => c?.week ?? null)).toEqual(['2026-W46', null, '2026-W48']);
    expect(grid.rows[1]!.gap).toBe(60);
  });

  it('takes its rows from the subtree report, one per person in the server\'s order', () => {
    const view: Schemas['TeamWeeksView'] = {
      unit_id: 3,
      basis: 'logged',
      from: '2026-W47',
      to: '2026-W48',
      people_count: 2,
      offset: 0,
      next_offset: null,
      people: [
        { staff_id: 9, full_name: 'Đỗ Minh Châu', unit_id: 3, weeks: [week('2026-W47', { under_logged: true, gap: 300 }), week('2026-W48')] },
        { staff_id: 4, full_name: 'Lê Văn Hưng', unit_id: 3, weeks: [week('2026-W48', { in_progress: true })] },
      ],
    };
    const rows = teamRows(view);
    expect(rows.map((r) => r.staff)).toEqual([
      { id: 9, full_name: 'Đỗ Minh Châu' },
      { id: 4, full_name: 'Lê Văn Hưng' },
    ]);
    const grid = weekGrid(rows);
    expect(grid.weeks).toEqual(['2026-W47', '2026-W48']);
    expect(grid.rows[0]!.gap).toBe(300);
    expect(grid.rows[1]!.cells.map((c) => c?.week ?? null)).toEqual([null, '2026-W48']);
  });
});

describe('task progress', () => {
  const task = (state: Schemas['TaskState'], delays: number): Schemas['TaskView'] => ({
    id: 1,
    title: 'x',
    description: '',
    owner_id: 1,
    assigner_id: 2,
    unit_id: 1,
    kind: 'planned',
    due_date: '2026-11-30',
    state,
    delays,
    version: 1,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
  });
  it('counts states and late tasks (a cancelled task is never late)', () => {
    expect(taskProgress([task('open', 0), task('open', 2), task('completed', 1), task('completed', 0), task('cancelled', 3)])).toEqual({
      open: 2,
      completed: 2,
      cancelled: 1,
      late: 2,
    });
  });
});
