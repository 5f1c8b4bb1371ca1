-- A per-person session version carried in access tokens: logout, password changes, role changes
-- and deactivation bump it, which ends every access token issued before.
ALTER TABLE staff ADD COLUMN session_version BIGINT NOT NULL DEFAULT 0;
-- Set by an administrator's password reset: the person must choose a new password first.
ALTER TABLE staff ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0;
