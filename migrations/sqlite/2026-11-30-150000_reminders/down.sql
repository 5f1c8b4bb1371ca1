DROP TABLE scheduler_leases;
DROP TABLE note_mutes;
DROP TABLE notes;
