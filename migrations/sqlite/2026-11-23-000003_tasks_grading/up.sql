-- Tasks, grading policies, grading rounds, grades and appeals (SQLite).
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id BIGINT NOT NULL REFERENCES staff(id),
    assigner_id BIGINT NOT NULL REFERENCES staff(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    due_date DATE NOT NULL,
    state TEXT NOT NULL,
    completed_on DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_owner ON tasks(owner_id, due_date);
CREATE INDEX tasks_assigner ON tasks(assigner_id, state);

ALTER TABLE entries ADD COLUMN task_id BIGINT REFERENCES tasks(id);
CREATE INDEX entries_task ON entries(task_id);

CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES staff(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE grading_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    period TEXT NOT NULL,
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    state TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES staff(id),
    decided_by BIGINT REFERENCES staff(id),
    decided_at TIMESTAMP,
    published_by BIGINT REFERENCES staff(id),
    published_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (unit_id, period)
);

CREATE TABLE grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    round_id BIGINT NOT NULL REFERENCES grading_rounds(id),
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    is_head BOOLEAN NOT NULL,
    is_leader BOOLEAN NOT NULL,
    expected BIGINT NOT NULL,
    credited BIGINT NOT NULL,
    quantity DOUBLE PRECISION NOT NULL,
    quality DOUBLE PRECISION NOT NULL,
    progress DOUBLE PRECISION NOT NULL,
    task_score DOUBLE PRECISION NOT NULL,
    common_score DOUBLE PRECISION NOT NULL,
    bonus DOUBLE PRECISION NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    evaluator_scores TEXT,
    self_scores TEXT,
    ballot_votes INTEGER NOT NULL DEFAULT 0,
    disciplined BOOLEAN NOT NULL DEFAULT 0,
    worked_days BIGINT NOT NULL,
    period_working_days BIGINT NOT NULL,
    rework BIGINT NOT NULL,
    first_submission TIMESTAMP,
    proposed_grade TEXT NOT NULL,
    final_grade TEXT,
    reasons TEXT NOT NULL,
    override_reason TEXT,
    inputs TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (round_id, staff_id)
);
CREATE INDEX grades_staff ON grades(staff_id);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    grade_id BIGINT NOT NULL REFERENCES grades(id),
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    resolver_id BIGINT REFERENCES staff(id),
    resolution TEXT,
    new_grade TEXT,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX appeals_grade ON appeals(grade_id);
