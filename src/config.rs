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
    /// `host:port` of the admin listener serving `/metrics` (no token), `/health` and `/ready`;
    /// bind it to a private address. None: no admin listener.
    #[serde(default)]
    pub admin_address: Option<String>,
    /// Bearer token that opens `/metrics` on the main listener. None (the default): the main
    /// listener answers 404 there, so metrics are never public by default.
    #[serde(default)]
    pub metrics_token: Option<String>,
    /// Origins allowed to call the API from a browser (CORS), e.g. `https://kpi.example.gov.vn`.
    /// Empty (the default): no cross-origin access.
    #[serde(default)]
    pub cors_allowed_origins: Vec<String>,
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
                    .separator("__")
                    // APP__SERVER__CORS_ALLOWED_ORIGINS=https://a.example,https://b.example
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("server.cors_allowed_origins"),
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
        if self
            .server
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.trim().len() < 16)
        {
            anyhow::bail!("server.metrics_token must be at least 16 characters");
        }
        for origin in &self.server.cors_allowed_origins {
            if !(origin.starts_with("https://") || origin.starts_with("http://"))
                || origin.trim_end_matches('/').matches('/').count() != 2
            {
                anyhow::bail!(
                    "server.cors_allowed_origins: `{origin}` is not an origin like https://host[:port]"
                );
            }
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
                admin_address: None,
                metrics_token: None,
                cors_allowed_origins: Vec::new(),
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
