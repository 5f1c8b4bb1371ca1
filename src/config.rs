//! Layered configuration: `config/default.toml`, then `config/{APP_ENV}.toml`, then `APP__SECTION__KEY`
//! environment variables (e.g. `APP__DATABASE__URL`).

use serde::Deserialize;

/// The JWT secret shipped in `config/default.toml`: public, so accepted only by a development or
/// test server listening on loopback (see `Settings::check`).
pub const DEVELOPMENT_JWT_SECRET: &str = "dev-only-secret-change-me-in-production";

/// The accepted values of `APP_ENV` (and of the `environment` setting).
pub const ENVIRONMENTS: [&str; 3] = ["development", "test", "production"];

/// True for `localhost` and loopback addresses (`127.0.0.0/8`, `::1`).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

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
    #[serde(default)]
    pub rollups: RollupSettings,
}

/// The maintained rollups (issue 14): what readers would otherwise build on their first read.
#[derive(Debug, Clone, Deserialize)]
pub struct RollupSettings {
    /// Seconds between two passes of the warmer, which builds in the background the weekly
    /// rollups of this month and the last, and the monthly KPI of the dashboard's six months,
    /// whenever they are missing (first start, a new day, a write that invalidated a month); 0
    /// turns it off (reads still build what they find missing).
    #[serde(default = "default_warm_interval_secs")]
    pub warm_interval_secs: u64,
}

impl Default for RollupSettings {
    fn default() -> Self {
        RollupSettings {
            warm_interval_secs: default_warm_interval_secs(),
        }
    }
}

fn default_warm_interval_secs() -> u64 {
    20
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

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP, upgraded with STARTTLS; refuses to send when the server does not offer it
    /// (port 587 usually).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465 usually).
    Tls,
    /// No encryption: only for a relay on the same host or a trusted private network.
    None,
}

/// E-mail copies of notes over SMTP (off unless `smtp_host` and `from` are set).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmailSettings {
    /// SMTP server; empty: no e-mail.
    #[serde(default)]
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// A PEM file of a certificate authority to trust besides the public roots (a private CA or
    /// the relay's self-signed certificate); empty: the public roots only.
    #[serde(default)]
    pub ca_file: String,
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
    /// Reverse proxies (IP addresses or CIDR networks) whose `X-Forwarded-For` is believed; empty
    /// by default: the client address is then the TCP peer. A list, or one comma-separated string
    /// (`APP__SERVER__TRUSTED_PROXIES=10.0.0.0/8,::1`).
    #[serde(default, deserialize_with = "crate::net::deserialize_networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The general per-client rate limit of the API (`/api/...`).
    #[serde(default)]
    pub rate_limit: RateLimitSettings,
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

/// A token bucket per client address: `burst` requests at once, refilled at `per_second`.
/// `per_second = 0` turns the limit off.
#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    #[serde(default = "default_rate_per_second")]
    pub per_second: u32,
    #[serde(default = "default_rate_burst")]
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            per_second: default_rate_per_second(),
            burst: default_rate_burst(),
        }
    }
}

fn default_rate_per_second() -> u32 {
    100
}
fn default_rate_burst() -> u32 {
    1000
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://data/worklog.db` (default), a plain file path, or `postgres://...`.
    pub url: String,
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    /// Seconds to wait for a pooled connection before answering 503 (also PostgreSQL's
    /// `connect_timeout`, at least 2).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` of every pooled connection: a statement running longer is
    /// cancelled by the server and the request answers 503 with `Retry-After`. 0 = none.
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout_secs: u64,
    /// PostgreSQL: a request whose database work has not finished after this many seconds answers
    /// 503 with `Retry-After` even when the server does not answer at all (frozen, partitioned).
    /// Longer than `statement_timeout_secs`, so that a live server cancels first. 0 = none.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    /// After a storage failure (disk full, I/O error, read-only or corrupt database file), `/ready`
    /// answers 503 for this many seconds.
    #[serde(default = "default_storage_error_window")]
    pub storage_error_window_secs: u64,
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
    /// Shortest accepted password (NIST SP 800-63B: at least 8; the default is 10).
    #[serde(default = "default_min_password_length")]
    pub min_password_length: usize,
    /// Password checks (argon2, 19 MiB and tens of milliseconds each) running at once; 0 = one
    /// per CPU core. Logins beyond these and `hash_queue` waiting ones answer 429.
    #[serde(default)]
    pub hash_concurrency: usize,
    /// Logins that may wait for a password check (at most `hash_wait_ms`); 0 = four per check.
    #[serde(default)]
    pub hash_queue: usize,
    #[serde(default = "default_hash_wait_ms")]
    pub hash_wait_ms: u64,
    /// Guessing limits of `POST /auth/login` (see `auth::throttle`).
    #[serde(default)]
    pub login: LoginLimits,
}

/// Failed-login limits, counted over `window_secs`.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginLimits {
    #[serde(default = "default_login_window")]
    pub window_secs: u64,
    /// Failures for one username from one client address before that pair waits for the window.
    #[serde(default = "default_failures_per_client")]
    pub failures_per_client: u32,
    /// Failures for one username (from any address) before clients that already failed on it wait
    /// an exponential delay (1 s, 2 s, 4 s… up to the window). A client with no failure on it is
    /// never delayed, so the owner's right password from their own device passes.
    #[serde(default = "default_failures_per_account")]
    pub failures_per_account: u32,
    /// Failures from one client address (any usernames) before that address waits for the window.
    #[serde(default = "default_failures_per_address")]
    pub failures_per_address: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_secs: default_login_window(),
            failures_per_client: default_failures_per_client(),
            failures_per_account: default_failures_per_account(),
            failures_per_address: default_failures_per_address(),
        }
    }
}

fn default_login_window() -> u64 {
    15 * 60
}
fn default_failures_per_client() -> u32 {
    5
}
fn default_failures_per_account() -> u32 {
    5
}
fn default_failures_per_address() -> u32 {
    50
}
fn default_hash_wait_ms() -> u64 {
    2000
}
fn default_statement_timeout() -> u64 {
    5
}
fn default_request_timeout() -> u64 {
    10
}
fn default_storage_error_window() -> u64 {
    30
}

fn default_min_password_length() -> usize {
    crate::domain::password::DEFAULT_MIN_LENGTH
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

/// The environment named by `APP_ENV`: `development` when unset, refused when unknown.
fn app_env(var: Result<String, std::env::VarError>) -> anyhow::Result<String> {
    let env = match var {
        Ok(env) => env,
        Err(std::env::VarError::NotPresent) => "development".into(),
        Err(std::env::VarError::NotUnicode(_)) => anyhow::bail!("APP_ENV is not valid UTF-8"),
    };
    check_environment("APP_ENV", &env)?;
    Ok(env)
}

fn check_environment(name: &str, value: &str) -> anyhow::Result<()> {
    if ENVIRONMENTS.contains(&value) {
        Ok(())
    } else {
        anyhow::bail!(
            "{name} is `{value}`, which is not one of the accepted values `development`, `test`, \
             `production`: refusing to start rather than guess (a misspelt environment must not \
             run with development settings)"
        )
    }
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
        let env = app_env(std::env::var("APP_ENV"))?;
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
        check_environment("environment", &self.environment)?;
        // Default-deny: the development secret is public, anyone could forge an administrator's
        // token with it. Only an explicitly development (or test) server that nobody else can
        // reach may use it.
        if self.auth.jwt_secret == DEVELOPMENT_JWT_SECRET
            && !(matches!(self.environment.as_str(), "development" | "test")
                && is_loopback_host(&self.server.host))
        {
            anyhow::bail!(
                "refusing to start with the public development JWT secret (environment `{}`, \
                 listening on `{}`): it is accepted only in development or test on a loopback \
                 address (127.0.0.1, ::1, localhost). Set APP__AUTH__JWT_SECRET to a random \
                 secret of at least 32 characters",
                self.environment,
                self.server.host
            );
        }
        if !matches!(self.diary.under_log_basis.as_str(), "logged" | "approved") {
            anyhow::bail!("diary.under_log_basis must be `logged` or `approved`");
        }
        if !(crate::domain::password::ABSOLUTE_MIN_LENGTH..=64)
            .contains(&self.auth.min_password_length)
        {
            anyhow::bail!("auth.min_password_length must be between 8 and 64");
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
                trusted_proxies: Vec::new(),
                rate_limit: RateLimitSettings::default(),
                admin_address: None,
                metrics_token: None,
                cors_allowed_origins: Vec::new(),
            },
            database: DatabaseSettings {
                url: url.into(),
                pool_size: 4,
                connect_timeout_secs: 2,
                statement_timeout_secs: default_statement_timeout(),
                request_timeout_secs: default_request_timeout(),
                storage_error_window_secs: default_storage_error_window(),
            },
            auth: AuthSettings {
                jwt_secret: DEVELOPMENT_JWT_SECRET.into(),
                access_ttl_secs: default_access_ttl(),
                refresh_ttl_secs: default_refresh_ttl(),
                min_password_length: default_min_password_length(),
                hash_concurrency: 0,
                hash_queue: 0,
                hash_wait_ms: default_hash_wait_ms(),
                login: LoginLimits::default(),
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
            // Tests warm the rollups themselves (services::warm::warm).
            rollups: RollupSettings {
                warm_interval_secs: 0,
            },
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

    #[test]
    fn unknown_app_env_values_are_refused_by_name() {
        assert_eq!(
            app_env(Err(std::env::VarError::NotPresent)).expect("unset"),
            "development"
        );
        for ok in ENVIRONMENTS {
            assert_eq!(app_env(Ok(ok.into())).expect("accepted"), ok);
        }
        for bad in ["prod", "staging", "Production", ""] {
            let err = app_env(Ok(bad.into())).expect_err(bad).to_string();
            assert!(err.contains(&format!("APP_ENV is `{bad}`")), "{err}");
            assert!(err.contains("`development`, `test`, `production`"), "{err}");
        }
    }

    #[test]
    fn the_development_secret_needs_development_on_loopback() {
        let mut s = Settings::for_database("sqlite://x.db");
        for (env, host, ok) in [
            ("development", "127.0.0.1", true),
            ("development", "localhost", true),
            ("development", "::1", true),
            ("test", "127.0.0.1", true),
            ("development", "0.0.0.0", false),
            ("development", "192.168.1.10", false),
            ("test", "::", false),
            ("production", "127.0.0.1", false),
            ("prod", "127.0.0.1", false),
            ("staging", "127.0.0.1", false),
            ("", "127.0.0.1", false),
        ] {
            s.environment = env.into();
            s.server.host = host.into();
            assert_eq!(s.check().is_ok(), ok, "{env} on {host}");
        }
        // A real secret runs anywhere, but never with an unknown environment.
        s.auth.jwt_secret = "a-real-secret-that-is-long-enough-0123456789".into();
        s.server.host = "0.0.0.0".into();
        for env in ENVIRONMENTS {
            s.environment = env.into();
            assert!(s.check().is_ok(), "{env}");
        }
        s.environment = "Production".into();
        let err = s.check().expect_err("unknown environment").to_string();
        assert!(err.contains("`development`, `test`, `production`"), "{err}");
    }
}
