-- Reminders (issue 13): the in-app inbox, per-person mutes, and the scheduler's lease.

-- A note stores its kind and parameters; the text is rendered in the reader's language.
-- dedup_key = kind:recipient:period makes each note be produced once, whatever the number of
-- scheduler instances or late runs.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    recipient_id BIGINT NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    emailed_at TIMESTAMP
);
CREATE INDEX notes_recipient ON notes(recipient_id, id);
CREATE INDEX notes_unsent ON notes(emailed_at);

CREATE TABLE note_mutes (
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (staff_id, kind)
);

-- One row per scheduled job: the instance holding it until expires_at runs it.
CREATE TABLE scheduler_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_run_at TIMESTAMP
);
