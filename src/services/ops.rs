//! Operations: the business gauges of `/metrics`, and backups and restores of a SQLite database.
//!
//! A backup is `VACUUM INTO` a new file: SQLite copies one read transaction's snapshot, so the
//! copy is consistent while the server keeps writing (copying the `.db` file of a WAL database
//! is not: recent commits live in the `-wal` file). PostgreSQL databases are backed up with
//! `pg_dump` (see docs/operations.md); these commands refuse them with that advice.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::SqliteConnection;

use crate::db::{self, schema::entries, Backend, DbConnection};
use crate::domain::calendar::UnderLogBasis;
use crate::domain::period::IsoWeek;
use crate::error::AppResult;

/// Entries waiting for approval, and active people whose last ISO week (the one before the week
/// of `today`) was under-logged.
pub fn business_gauges(
    conn: &mut DbConnection,
    today: NaiveDate,
    basis: UnderLogBasis,
) -> anyhow::Result<(i64, usize)> {
    let awaiting: i64 = entries::table
        .filter(entries::state.eq("submitted"))
        .filter(entries::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let last_week = IsoWeek::of(today).prev();
    let under =
        under_logged_in_week(conn, last_week, basis, today).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((awaiting, under))
}

/// People under-logged in an ended week, from the maintained unit × week rollup (the week is
/// built on first read; see `services::rollups`).
fn under_logged_in_week(
    conn: &mut DbConnection,
    week: IsoWeek,
    basis: UnderLogBasis,
    today: chrono::NaiveDate,
) -> AppResult<usize> {
    if week.sunday() >= today {
        // A week is judged when it ends: nobody is under-logged in one still running.
        return Ok(0);
    }
    super::rollups::ensure_built(conn, &[week])?;
    let (_, n) = db::rollups::under_counts(conn, week.monday(), None, basis)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub entries: i64,
    pub seconds: f64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// The file a SQLite database URL names (refuses PostgreSQL URLs and in-memory databases).
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    if Backend::of_url(url) == Backend::Postgres {
        anyhow::bail!(
            "this is a PostgreSQL database: back it up with `pg_dump --format=custom` and restore \
             it with `pg_restore` (see docs/operations.md)"
        );
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    if path == ":memory:" || path.is_empty() {
        anyhow::bail!("an in-memory database cannot be backed up");
    }
    Ok(PathBuf::from(path))
}

fn sql_string(path: &Path) -> anyhow::Result<String> {
    let text = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not valid UTF-8", path.display()))?;
    Ok(format!("'{}'", text.replace('\'', "''")))
}

fn open(path: &Path) -> anyhow::Result<SqliteConnection> {
    let text = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not valid UTF-8", path.display()))?;
    let mut conn = SqliteConnection::establish(text)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(conn)
}

/// Checks a SQLite file: integrity, and that it is a worklog-kpi database. Returns its entries.
pub fn verify_sqlite(path: &Path) -> anyhow::Result<i64> {
    if !path.is_file() {
        anyhow::bail!("{} does not exist", path.display());
    }
    let mut conn = open(path)?;
    let check: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(&mut conn)?;
    if check.len() != 1 || check[0].integrity_check != "ok" {
        anyhow::bail!(
            "{} fails SQLite's integrity check: {}",
            path.display(),
            check
                .iter()
                .map(|l| l.integrity_check.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let tables: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'entries', 'staff')",
    )
    .get_result(&mut conn)?;
    if tables.n != 3 {
        anyhow::bail!("{} is not a worklog-kpi database", path.display());
    }
    let entries: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM entries").get_result(&mut conn)?;
    Ok(entries.n)
}

/// Writes a consistent copy of the (possibly running) SQLite database to `target`, which must
/// not exist. The copy is written beside the target and renamed when complete and verified, so
/// a target that exists is always a whole backup.
pub fn backup_sqlite(url: &str, target: &Path) -> anyhow::Result<BackupReport> {
    let source = sqlite_path(url)?;
    if !source.is_file() {
        anyhow::bail!("the database {} does not exist", source.display());
    }
    if target.exists() {
        anyhow::bail!(
            "{} already exists: choose a new file name",
            target.display()
        );
    }
    let started = Instant::now();
    let partial = with_suffix(target, ".partial");
    let _ = std::fs::remove_file(&partial);
    let mut conn = open(&source)?;
    diesel::sql_query(format!("VACUUM INTO {}", sql_string(&partial)?))
        .execute(&mut conn)
        .map_err(|e| anyhow::anyhow!("backup of {} failed: {e}", source.display()))?;
    drop(conn);
    let entries = match verify_sqlite(&partial) {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context("the backup did not verify; nothing was kept"));
        }
    };
    std::fs::rename(&partial, target)?;
    let bytes = std::fs::metadata(target)?.len();
    Ok(BackupReport {
        path: target.to_path_buf(),
        bytes,
        entries,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The lock file a server holds on its SQLite database while it runs.
pub fn server_lock_path(db_path: &Path) -> PathBuf {
    with_suffix(db_path, ".server-lock")
}

/// Takes the database's server lock (an OS file lock, released when the process ends, even on a
/// crash). `serve` holds it for its lifetime; `restore` holds it while it replaces the file, so
/// neither can run while the other does.
pub fn lock_sqlite(url: &str) -> anyhow::Result<Option<File>> {
    if Backend::of_url(url) == Backend::Postgres {
        return Ok(None);
    }
    let path = sqlite_path(url)?;
    let lock_path = server_lock_path(&path);
    if let Some(parent) = lock_path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    let file = File::create(&lock_path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "the database {} is in use by a running worklog-kpi server (lock {} is held): stop \
             the server first",
            path.display(),
            lock_path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub entries: i64,
    /// Where the database that was replaced was kept (None when there was none).
    pub previous: Option<PathBuf>,
}

/// Replaces the SQLite database with a verified backup. Refuses while a server holds the
/// database; keeps the replaced database as `<db>.before-restore-<UTC time>`.
pub fn restore_sqlite(url: &str, backup: &Path) -> anyhow::Result<RestoreReport> {
    let target = sqlite_path(url)?;
    let entries = verify_sqlite(backup)?;
    let _lock = lock_sqlite(url)?;
    if let Some(parent) = target.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    // Copy through SQLite rather than the file system: the copy has no WAL to carry along.
    let incoming = with_suffix(&target, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    {
        let mut conn = open(backup)?;
        diesel::sql_query(format!("VACUUM INTO {}", sql_string(&incoming)?)).execute(&mut conn)?;
    }
    let previous = if target.exists() {
        // Fold the old database's WAL into it so that the kept copy is complete on its own.
        {
            let mut conn = open(&target)?;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        let kept = with_suffix(
            &target,
            &format!(
                ".before-restore-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ),
        );
        std::fs::rename(&target, &kept)?;
        Some(kept)
    } else {
        None
    };
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&target, suffix));
    }
    std::fs::rename(&incoming, &target)?;
    Ok(RestoreReport { entries, previous })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_are_refused_with_the_pg_dump_advice() {
        let err = sqlite_path("postgres://u@h/db").expect_err("refused");
        assert!(err.to_string().contains("pg_dump"), "{err}");
        assert_eq!(
            sqlite_path("sqlite://data/w.db").expect("path"),
            PathBuf::from("data/w.db")
        );
    }

    #[test]
    fn paths_are_quoted_for_sql() {
        assert_eq!(
            sql_string(Path::new("/tmp/o'brien.db")).expect("utf-8"),
            "'/tmp/o''brien.db'"
        );
    }
}
