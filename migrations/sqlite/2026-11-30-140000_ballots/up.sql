-- Ballots (issue 13): leader rating campaigns and the excellent-selection ballot of a grading
-- round. Secrecy is a property of the schema: who voted (participation) and what a ballot says
-- (content) live in separate tables with nothing linking them. Ballot tables have random text
-- ids, no timestamp, no voter column, and are WITHOUT ROWID so that their physical order is the
-- order of the random ids, not the voting order.

-- Versioned criteria sets (data): body = {"scale": {"min": 1, "max": 5}, "comments": true,
-- "criteria": [{"code", "name_vi", "name_en"}]}.
CREATE TABLE criteria_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE rating_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    deadline TIMESTAMP NOT NULL,
    criteria_set_id BIGINT NOT NULL REFERENCES criteria_sets(id),
    state TEXT NOT NULL,
    opened_by BIGINT NOT NULL REFERENCES staff(id),
    opened_at TIMESTAMP NOT NULL,
    closed_by BIGINT REFERENCES staff(id),
    closed_at TIMESTAMP
);

-- The electoral roll, fixed when the campaign opens: who may rate whom.
CREATE TABLE rating_electors (
    campaign_id BIGINT NOT NULL REFERENCES rating_campaigns(id),
    candidate_id BIGINT NOT NULL REFERENCES staff(id),
    voter_id BIGINT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (campaign_id, candidate_id, voter_id)
) WITHOUT ROWID;
CREATE INDEX rating_electors_voter ON rating_electors(campaign_id, voter_id);

-- Who voted (on whom): no time, no order.
CREATE TABLE rating_participation (
    campaign_id BIGINT NOT NULL REFERENCES rating_campaigns(id),
    candidate_id BIGINT NOT NULL REFERENCES staff(id),
    voter_id BIGINT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (campaign_id, candidate_id, voter_id)
) WITHOUT ROWID;

-- What the ballots say: random id, no voter, no time.
CREATE TABLE rating_ballots (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id BIGINT NOT NULL REFERENCES rating_campaigns(id),
    candidate_id BIGINT NOT NULL,
    scores TEXT NOT NULL,
    comment TEXT
) WITHOUT ROWID;
CREATE INDEX rating_ballots_candidate ON rating_ballots(campaign_id, candidate_id);

-- The excellent-selection ballot of a grading round.
CREATE TABLE round_ballots (
    round_id BIGINT PRIMARY KEY NOT NULL REFERENCES grading_rounds(id),
    state TEXT NOT NULL,
    quota INTEGER NOT NULL,
    candidates TEXT NOT NULL,
    opened_by BIGINT NOT NULL REFERENCES staff(id),
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);

CREATE TABLE round_ballot_participation (
    round_id BIGINT NOT NULL REFERENCES grading_rounds(id),
    voter_id BIGINT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (round_id, voter_id)
) WITHOUT ROWID;

-- One row per chosen candidate: random id, no voter, no time.
CREATE TABLE round_ballot_choices (
    id TEXT PRIMARY KEY NOT NULL,
    round_id BIGINT NOT NULL REFERENCES grading_rounds(id),
    candidate_id BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX round_ballot_choices_round ON round_ballot_choices(round_id);
