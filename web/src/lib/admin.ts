// Pure helpers of the administration and team screens (unit-tested in tests/admin.test.ts):
// the staff form and the PATCH it sends, a new policy version drafted from the current one,
// the team's multi-week grid and the progress of assigned tasks.
import type { Schemas } from '../api/client';

type Staff = Schemas['StaffView'];
type Role = Schemas['Role'];

export const ROLES: readonly Role[] = ['staff', 'head', 'organisation', 'admin'];

/** What the staff form edits (strings as typed; empty means "none"). */
export interface StaffForm {
  username: string;
  full_name: string;
  email: string;
  position: string;
  unit_id: number | null;
  supervisor_id: number | null;
  roles: Role[];
  is_leader: boolean;
  weekly_hours: string;
  contract_from: string;
  joined_on: string;
  password: string;
}

export function emptyStaffForm(): StaffForm {
  return {
    username: '',
    full_name: '',
    email: '',
    position: '',
    unit_id: null,
    supervisor_id: null,
    roles: ['staff'],
    is_leader: false,
    weekly_hours: '40',
    contract_from: '',
    joined_on: '',
    password: '',
  };
}

export function staffFormOf(s: Staff): StaffForm {
  return {
    username: s.username,
    full_name: s.full_name,
    email: s.email ?? '',
    position: s.position ?? '',
    unit_id: s.unit_id ?? null,
    supervisor_id: s.supervisor_id ?? null,
    roles: [...s.roles],
    is_leader: s.is_leader,
    weekly_hours: s.weekly_hours == null ? '' : String(s.weekly_hours),
    contract_from: '',
    joined_on: s.joined_on ?? '',
    password: '',
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

/** A number typed in a field; NaN when it is not one (the server names the field). */
function hours(s: string): number {
  return Number(s.replace(',', '.'));
}

export function createStaffBody(f: StaffForm): Schemas['CreateStaff'] {
  const body: Schemas['CreateStaff'] = {
    username: f.username.trim(),
    full_name: f.full_name.trim(),
    roles: f.roles,
    is_leader: f.is_leader,
    unit_id: f.unit_id,
    supervisor_id: f.supervisor_id,
    email: orNull(f.email),
    position: orNull(f.position),
    joined_on: orNull(f.joined_on),
  };
  if (f.weekly_hours.trim() !== '') body.weekly_hours = hours(f.weekly_hours);
  if (f.contract_from) body.contract_from = f.contract_from;
  if (f.password) body.password = f.password;
  return body;
}

/** Only what changed, so a PATCH never overwrites a field someone else edited meanwhile. A new
 * weekly-hours figure becomes a contract from `contract_from` (default `today`). */
export function staffPatch(original: Staff, f: StaffForm, today: string): Schemas['UpdateStaff'] {
  const before = staffFormOf(original);
  const patch: Schemas['UpdateStaff'] = {};
  if (f.full_name.trim() !== before.full_name) patch.full_name = f.full_name.trim();
  if (orNull(f.email) !== orNull(before.email)) patch.email = orNull(f.email);
  if (orNull(f.position) !== orNull(before.position)) patch.position = orNull(f.position);
  if (f.unit_id !== before.unit_id && f.unit_id !== null) patch.unit_id = f.unit_id;
  if (f.supervisor_id !== before.supervisor_id) patch.supervisor_id = f.supervisor_id;
  if ([...f.roles].sort().join() !== [...before.roles].sort().join()) patch.roles = f.roles;
  if (f.is_leader !== before.is_leader) patch.is_leader = f.is_leader;
  if (orNull(f.joined_on) !== orNull(before.joined_on)) patch.joined_on = orNull(f.joined_on);
  if (f.weekly_hours.trim() !== '' && hours(f.weekly_hours) !== original.weekly_hours)
    patch.contract = { weekly_hours: hours(f.weekly_hours), effective_from: f.contract_from || today };
  return patch;
}

// --- policies --------------------------------------------------------------------------------

export type Bound = Schemas['Bound'];
export type BoundKind = 'at_least' | 'above';

export function boundKind(b: Bound): BoundKind {
  return 'above' in b ? 'above' : 'at_least';
}

export function boundValue(b: Bound): number {
  return 'above' in b ? b.above : b.at_least;
}

export function makeBound(kind: BoundKind, value: number): Bound {
  return kind === 'above' ? { above: value } : { at_least: value };
}

/** A new version of `policy`'s code, starting from everything it says (a deep copy: editing
 * the draft never changes the version shown in the list). */
export function policyDraft(policy: Schemas['PolicyView']): Schemas['CreatePolicy'] {
  return {
    preset: structuredClone(policy.preset),
    kpi: structuredClone(policy.kpi),
    make_default: policy.is_default,
  };
}

/** The policy in force: the default one, else the newest version. */
export function currentPolicy(items: Schemas['PolicyView'][]): Schemas['PolicyView'] | undefined {
  return items.find((p) => p.is_default) ?? [...items].sort((a, b) => b.id - a.id)[0];
}

// --- the team's multi-week grid ----------------------------------------------------------------

/** The `from` and `to` of the last `n` ISO weeks ending with the week of `today` (the server
 * takes a date for its week). */
export function lastWeeks(today: string, n: number): { from: string; to: string } {
  const [y, m, d] = today.split('-').map(Number);
  const from = new Date(Date.UTC(y!, m! - 1, d! - 7 * (n - 1)));
  return { from: from.toISOString().slice(0, 10), to: today };
}

/** One person of the grid: who, and their weeks as the server judged them. */
export interface GridInput {
  staff: Pick<Staff, 'id' | 'full_name'>;
  weeks: Schemas['WeekView'][];
}

/** The grid's input from the subtree's weeks (`GET /reports/weeks`), in the server's order. */
export function teamRows(view: Schemas['TeamWeeksView']): GridInput[] {
  return view.people.map((p) => ({ staff: { id: p.staff_id, full_name: p.full_name }, weeks: p.weeks }));
}

export interface GridRow {
  staff: Pick<Staff, 'id' | 'full_name'>;
  cells: (Schemas['WeekView'] | null)[];
  /** Ended weeks the server judged under-logged. */
  under: number;
  /** Their summed gap in minutes. */
  gap: number;
}

/** Rows = people, columns = every ISO week any of them returned, in order. Under-logging is the
 * server's judgement (`under_logged`, `gap`): the rule lives once, in the domain. */
export function weekGrid(people: GridInput[]): { weeks: string[]; rows: GridRow[] } {
  const weeks = [...new Set(people.flatMap((p) => p.weeks.map((w) => w.week)))].sort();
  const rows = people.map(({ staff, weeks: own }) => {
    const byWeek = new Map(own.map((w) => [w.week, w]));
    const cells = weeks.map((w) => byWeek.get(w) ?? null);
    const judged = cells.filter((c): c is Schemas['WeekView'] => !!c && c.under_logged);
    return { staff, cells, under: judged.length, gap: judged.reduce((s, c) => s + c.gap, 0) };
  });
  return { weeks, rows };
}

// --- tasks -----------------------------------------------------------------------------------

export interface TaskProgress {
  open: number;
  completed: number;
  cancelled: number;
  /** Open or completed with at least one missed due date. */
  late: number;
}

export function taskProgress(tasks: Schemas['TaskView'][]): TaskProgress {
  const out: TaskProgress = { open: 0, completed: 0, cancelled: 0, late: 0 };
  for (const task of tasks) {
    out[task.state]++;
    if (task.state !== 'cancelled' && task.delays > 0) out.late++;
  }
  return out;
}
