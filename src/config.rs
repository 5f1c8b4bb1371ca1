//! Layered configuration: `config/default.toml`, then `config/{APP_ENV}.toml`, then `APP__SECTION__KEY`
//! environment variables (e.g. `APP__DATABASE__URL`).

use serde::Deserialize;

/// The JWT secret shipped in `config/default.toml`; refused in production.
pub const DEVELOPMENT_JWT_SECRET: &str = "dev-only-secret-change-me-in-production";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `development`, `test` or `production`.
    #[serde(default = "default_environment")]
    pub environment: String,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    #[serde(default)]
    pub organisation: OrganisationSettings,
    #[serde(default)]
    pub bootstrap: BootstrapSettings,
    #[serde(default)]
    pub diary: DiarySettings,
    #[serde(default)]
    pub reminders: ReminderSettings,
    #[serde(default)]
    pub email: EmailSettings,
}

/// Reminders (issue 13): the scheduler inside the service and the rules of each note.
#[derive(Debug, Clone, Deserialize)]
pub struct ReminderSettings {
    /// Run the reminder scheduler in this process (safe with several processes).
    #[serde(default = "default_true")]
    pub scheduler: bool,
    /// Seconds between two runs of the scheduler.
    #[serde(default = "default_interval_secs")]
    pub interval_secs: u64,
    /// Approvers are told about lines waiting more than this many working days.
    #[serde(default = "default_waiting_days")]
    pub approval_waiting_days: u32,
    /// Day of the month the units' monthly reports are due (the organisation department is told
    /// from that day on).
    #[serde(default = "default_report_due_day")]
    pub report_due_day: u32,
    /// Ended weeks looked at by each run: a late run produces the notes it missed.
    #[serde(default = "default_catch_up_weeks")]
    pub catch_up_weeks: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            scheduler: true,
            interval_secs: default_interval_secs(),
            approval_waiting_days: default_waiting_days(),
            report_due_day: default_report_due_day(),
            catch_up_weeks: default_catch_up_weeks(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_interval_secs() -> u64 {
    300
}
fn default_waiting_days() -> u32 {
    2
}
fn default_report_due_day() -> u32 {
    25
}
fn default_catch_up_weeks() -> u32 {
    4
}

/// E-mail copies of notes over plain SMTP to a relay (off unless `smtp_host` and `from` are set).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmailSettings {
    /// SMTP server; empty: no e-mail.
    #[serde(default)]
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// Sender address, e.g. `worklog@example.gov.vn`.
    #[serde(default)]
    pub from: String,
}

impl EmailSettings {
    pub fn enabled(&self) -> bool {
        !self.smtp_host.trim().is_empty() && !self.from.trim().is_empty()
    }
}

fn default_smtp_port() -> u16 {
    25
}

/// Diary policy (rulebook defaults; a grading policy version will take these over).
#[derive(Debug, Clone, Deserialize)]
pub struct DiarySettings {
    #[serde(default = "default_backdate_days")]
    pub backdate_days: i64,
    #[serde(default = "default_anomaly_day_minutes")]
    pub anomaly_day_minutes: i64,
    #[serde(default = "default_late_backfill_days")]
    pub late_backfill_days: i64,
    /// `logged` (submitted + approved) or `approved`.
    #[serde(default = "default_under_log_basis")]
    pub under_log_basis: String,
}

impl Default for DiarySettings {
    fn default() -> Self {
        DiarySettings {
            backdate_days: default_backdate_days(),
            anomaly_day_minutes: default_anomaly_day_minutes(),
            late_backfill_days: default_late_backfill_days(),
            under_log_basis: default_under_log_basis(),
        }
    }
}

impl DiarySettings {
    pub fn policy(&self) -> crate::domain::diary::DiaryPolicy {
        crate::domain::diary::DiaryPolicy {
            backdate_days: self.backdate_days,
            anomaly_day_minutes: self.anomaly_day_minutes,
            late_backfill_days: self.late_backfill_days,
            ..Default::default()
        }
    }

    pub fn basis(&self) -> crate::domain::calendar::UnderLogBasis {
        if self.under_log_basis == "approved" {
            crate::domain::calendar::UnderLogBasis::Approved
        } else {
            crate::domain::calendar::UnderLogBasis::Logged
        }
    }
}

fn default_backdate_days() -> i64 {
    7
}
fn default_anomaly_day_minutes() -> i64 {
    600
}
fn default_late_backfill_days() -> i64 {
    3
}
fn default_under_log_basis() -> String {
    "logged".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Actix worker threads (0 = one per core).
    #[serde(default)]
    pub workers: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://data/worklog.db` (default), a plain file path, or `postgres://...`.
    pub url: String,
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    /// Seconds to wait for a pooled connection before answering 503.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: String,
    /// Access tokens are short-lived (seconds).
    #[serde(default = "default_access_ttl")]
    pub access_ttl_secs: i64,
    /// Refresh tokens (seconds); each use rotates them.
    #[serde(default = "default_refresh_ttl")]
    pub refresh_ttl_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrganisationSettings {
    /// Offset of the organisation's local time from UTC in minutes (Vietnam: +420, no DST).
    #[serde(default = "default_utc_offset")]
    pub utc_offset_minutes: i32,
}

impl Default for OrganisationSettings {
    fn default() -> Self {
        OrganisationSettings {
            utc_offset_minutes: default_utc_offset(),
        }
    }
}

/// Optional first administrator created at start when the organisation has no administrator yet
/// (`APP__BOOTSTRAP__ADMIN_USERNAME` / `APP__BOOTSTRAP__ADMIN_PASSWORD`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BootstrapSettings {
    pub admin_username: Option<String>,
    pub admin_password: Option<String>,
}

fn default_environment() -> String {
    "development".into()
}
fn default_pool_size() -> u32 {
    8
}
fn default_connect_timeout() -> u64 {
    5
}
fn default_access_ttl() -> i64 {
    900
}
fn default_refresh_ttl() -> i64 {
    30 * 24 * 3600
}
fn default_utc_offset() -> i32 {
    7 * 60
}

impl Settings {
    /// Loads the layers from `config_dir` (default `./config`). Missing files are skipped, so a
    /// binary started elsewhere still runs on the built-in defaults below.
    pub fn load(config_dir: Option<&str>) -> anyhow::Result<Settings> {
        let dir = config_dir.unwrap_or("config");
        let env = std::env::var("APP_ENV").unwrap_or_else(|_| "development".into());
        let settings = config::Config::builder()
            .set_default("environment", env.clone())?
            .set_default("server.host", "127.0.0.1")?
            .set_default("server.port", 8080)?
            .set_default("database.url", "sqlite://data/worklog.db")?
            .set_default("auth.jwt_secret", DEVELOPMENT_JWT_SECRET)?
            .add_source(config::File::with_name(&format!("{dir}/default")).required(false))
            .add_source(config::File::with_name(&format!("{dir}/{env}")).required(false))
            .add_source(
                config::Environment::with_prefix("APP")
                    .prefix_separator("__")
                    .separator("__"),
            )
            .build()?;
        let settings: Settings = settings.try_deserialize()?;
        settings.check()?;
        Ok(settings)
    }

    /// Refuses configurations that must never run.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.environment == "production" && self.auth.jwt_secret == DEVELOPMENT_JWT_SECRET {
            anyhow::bail!(
                "refusing to start in production with the development JWT secret: \
                 set APP__AUTH__JWT_SECRET"
            );
        }
        if !matches!(self.diary.under_log_basis.as_str(), "logged" | "approved") {
            anyhow::bail!("diary.under_log_basis must be `logged` or `approved`");
        }
        if self.auth.jwt_secret.len() < 32 {
            anyhow::bail!("auth.jwt_secret must be at least 32 characters");
        }
        Ok(())
    }

    /// Settings for tests and tools: defaults with a given database URL.
    pub fn for_database(url: &str) -> Settings {
        Settings {
            environment: "test".into(),
            server: ServerSettings {
                host: "127.0.0.1".into(),
                port: 0,
                workers: 2,
            },
            database: DatabaseSettings {
                url: url.into(),
                pool_size: 4,
                connect_timeout_secs: 2,
            },
            auth: AuthSettings {
                jwt_secret: DEVELOPMENT_JWT_SECRET.into(),
                access_ttl_secs: default_access_ttl(),
                refresh_ttl_secs: default_refresh_ttl(),
            },
            organisation: OrganisationSettings::default(),
            bootstrap: BootstrapSettings::default(),
            diary: DiarySettings::default(),
            reminders: ReminderSettings {
                // Tests run the job themselves.
                scheduler: false,
                ..ReminderSettings::default()
            },
            email: EmailSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_the_development_secret() {
        let mut s = Settings::for_database("sqlite://x.db");
        s.environment = "production".into();
        assert!(s.check().is_err());
        s.auth.jwt_secret = "a-real-secret-that-is-long-enough-0123456789".into();
        assert!(s.check().is_ok());
        s.environment = "development".into();
        s.auth.jwt_secret = DEVELOPMENT_JWT_SECRET.into();
        assert!(s.check().is_ok());
    }
}
