DROP TABLE appeals;
DROP TABLE grades;
DROP TABLE grading_rounds;
DROP TABLE policies;
DROP INDEX entries_task;
ALTER TABLE entries DROP COLUMN task_id;
DROP TABLE tasks;
