ALTER TABLE staff DROP COLUMN must_change_password;
ALTER TABLE staff DROP COLUMN session_version;
