//! worklog-kpi: work diary, approval, KPI and grading for Vietnamese public bodies.
//!
//! Layers: `routes` (HTTP) → `services` (use cases, one transaction each) → `domain` (pure
//! rules) and `db` (queries). This file wires them into an actix `App` for `main` and for tests.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod net;
pub mod openapi;
pub mod routes;
pub mod serde_text;
pub mod services;
pub mod telemetry;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use utoipa_actix_web::AppExt;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::{DbConnection, DbPool};
use crate::error::{AppError, AppResult};

/// Shared state of every worker: the pool, the settings, and the signing keys.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub jwt: JwtKeys,
    pub metrics: metrics::Metrics,
    pub login_throttle: auth::throttle::LoginThrottle,
    /// Bounds concurrent password checks (argon2) and their queue.
    pub hash_gate: auth::hashing::HashGate,
    /// The general per-client rate limit of the API.
    pub rate_limiter: net::RateLimiter,
    /// PostgreSQL: the longest a request waits on the database (a frozen server).
    db_deadline: Option<Duration>,
    /// When the storage last failed (disk full, I/O error, read-only, corrupt), for `/ready`.
    storage_failed_at: Mutex<Option<Instant>>,
    /// Statements run by the pool's connections (see `db::stats`).
    pub statements: Arc<db::stats::StatementCounter>,
}

impl AppState {
    pub fn new(pool: DbPool, settings: Settings) -> AppState {
        let jwt = JwtKeys::new(&settings.auth.jwt_secret, settings.auth.access_ttl_secs);
        let db_deadline = (db::Backend::of_url(&settings.database.url) == db::Backend::Postgres
            && settings.database.request_timeout_secs > 0)
            .then(|| Duration::from_secs(settings.database.request_timeout_secs));
        AppState {
            pool,
            jwt,
            metrics: metrics::Metrics::default(),
            login_throttle: auth::throttle::LoginThrottle::new(settings.auth.login.clone()),
            hash_gate: auth::hashing::HashGate::new(&settings.auth),
            rate_limiter: net::RateLimiter::new(&settings.server.rate_limit),
            db_deadline,
            storage_failed_at: Mutex::new(None),
            statements: Arc::default(),
            settings: Arc::new(settings),
        }
    }

    /// Seconds since the storage last failed, if it did.
    pub fn storage_failure_age(&self) -> Option<Duration> {
        self.storage_failed_at
            .lock()
            .ok()
            .and_then(|t| t.map(|t| t.elapsed()))
    }

    fn note_storage_failure<T>(&self, result: &AppResult<T>) {
        if let Err(AppError::Unavailable(reason)) = result {
            if error::is_storage_failure(reason) {
                if let Ok(mut t) = self.storage_failed_at.lock() {
                    *t = Some(Instant::now());
                }
            }
        }
    }

    /// Runs database work on the blocking pool (diesel is synchronous), with a pooled
    /// connection. A pool that cannot hand out a connection answers 503.
    pub async fn db<T, F>(self: &Arc<Self>, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection, &AppState) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let state = Arc::clone(self);
        let lang = i18n::current();
        let work = web::block(move || {
            i18n::with_lang(lang, || {
                let waiting = std::time::Instant::now();
                let conn = state.pool.get();
                metrics::observe_pool_wait(waiting.elapsed().as_secs_f64(), conn.is_err());
                let mut conn = conn?;
                let working = std::time::Instant::now();
                let out = f(&mut conn, &state);
                drop(conn);
                let worked = working.elapsed();
                metrics::observe_db_work(worked.as_secs_f64());
                if worked > auth::hashing::LARGE_WORK {
                    auth::hashing::release_free_memory();
                }
                out
            })
        });
        let result = match self.db_deadline {
            None => work.await?,
            // The blocked thread finishes (and gives its connection back) when the server
            // answers again; the client hears 503 now instead of waiting with it.
            Some(deadline) => match tokio::time::timeout(deadline, work).await {
                Ok(done) => done?,
                Err(_) => Err(AppError::Unavailable(format!(
                    "the database did not answer within {} s",
                    deadline.as_secs()
                ))),
            },
        };
        self.note_storage_failure(&result);
        result
    }
}

/// What the maintained daily totals are computed with, from the configuration.
pub fn totals_policy(settings: &Settings) -> services::totals::TotalsPolicy {
    services::totals::TotalsPolicy {
        diary: settings.diary.policy(),
        utc_offset_minutes: settings.organisation.utc_offset_minutes,
    }
}

/// Connects, migrates and bootstraps: what `serve` and the tests do before listening.
pub fn prepare_state(settings: Settings) -> anyhow::Result<AppState> {
    // Fails with the cause named (database missing, authentication, refused, unreachable).
    db::check_connection(
        &settings.database.url,
        Duration::from_secs(settings.database.connect_timeout_secs),
    )?;
    let (pool, statements) =
        db::build_counted_pool(&settings.database.url, &db::PoolOptions::serving(&settings))?;
    let mut rebuild_behind = None;
    {
        // Migrations and a totals rebuild may run long: not under the serving statement timeout.
        let setup = db::build_pool(
            &settings.database.url,
            1,
            Duration::from_secs(settings.database.connect_timeout_secs),
        )?;
        let mut conn = setup.get()?;
        let applied = db::run_migrations(&mut conn)?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        services::staff::bootstrap_admin(
            &mut conn,
            &settings.bootstrap,
            settings.auth.min_password_length,
        )?;
        let seeded = services::calendar::seed_statutory_holidays(&mut conn)
            .map_err(|e| anyhow::anyhow!("seeding holidays: {e}"))?;
        if seeded > 0 {
            tracing::info!(seeded, "statutory holidays 2025-2027 seeded");
        }
        let policies = services::grading::seed_policies(&mut conn)
            .map_err(|e| anyhow::anyhow!("seeding grading policies: {e}"))?;
        if policies > 0 {
            tracing::info!(policies, "grading policy presets seeded");
        }
        services::ballots::seed_criteria(&mut conn)
            .map_err(|e| anyhow::anyhow!("seeding ballot criteria: {e}"))?;
        let totals_policy = totals_policy(&settings);
        match services::totals::freshness(&mut conn, &totals_policy)
            .map_err(|e| anyhow::anyhow!("reading the daily totals: {e}"))?
        {
            services::totals::Freshness::Current => {}
            // Nothing to serve reports from yet: build before listening.
            services::totals::Freshness::Never => {
                let started = std::time::Instant::now();
                services::totals::rebuild_all(&mut conn, &totals_policy)
                    .map_err(|e| anyhow::anyhow!("building daily totals: {e}"))?;
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "daily totals built"
                );
            }
            // A diary setting changed: serve at once and rebuild behind (see
            // services::totals::rebuild_in_chunks for what readers see meanwhile).
            services::totals::Freshness::OtherPolicy => rebuild_behind = Some(totals_policy),
        }
    }
    if let Some(policy) = rebuild_behind {
        spawn_totals_rebuild(pool.clone(), policy)?;
    }
    let mut state = AppState::new(pool, settings);
    state.statements = statements;
    Ok(state)
}

/// Rebuilds the daily totals for a changed diary policy on a thread of its own while the server
/// serves.
fn spawn_totals_rebuild(
    pool: DbPool,
    policy: services::totals::TotalsPolicy,
) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("totals-rebuild".into())
        .spawn(move || {
            let started = std::time::Instant::now();
            tracing::info!("diary settings changed: rebuilding the daily totals while serving");
            let result = pool
                .get()
                .map_err(|e| anyhow::anyhow!("{e}"))
                .and_then(|mut conn| {
                    services::totals::rebuild_in_chunks(&mut conn, &policy)
                        .map_err(|e| anyhow::anyhow!("{e}"))
                });
            match result {
                Ok(rows) => tracing::info!(
                    rows,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "daily totals rebuilt for the current diary policy"
                ),
                Err(e) => tracing::error!(
                    error = %e,
                    "rebuilding the daily totals failed; `worklog-kpi rebuild-totals` or a restart retries"
                ),
            }
        })?;
    Ok(())
}

/// Builds the actix application with every route; the OpenAPI document is collected from the
/// same registrations, so routes and docs cannot drift.
pub fn configure_app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .app_data(state.clone())
        .app_data(routes::json_config())
        .app_data(routes::query_config())
        .app_data(routes::path_config())
        .app_data(web::PayloadConfig::new(16 << 20))
        .configure(routes::configure)
        .split_for_parts();
    let mut api = api;
    openapi::finish(&mut api);
    let table = web::Data::new(routes::hygiene::RouteTable::from_openapi(&api));
    app.app_data(table)
        .service(web::resource("/docs").route(web::get().to(routes::docs::redirect)))
        .service(routes::docs::swagger(api))
        .default_service(web::to(routes::web_app::fallback))
        .wrap(middleware::from_fn(routes::hygiene::idempotency))
        .wrap(middleware::from_fn(routes::hygiene::download_audit))
        .wrap(middleware::from_fn(routes::hygiene::query_bounds))
        .wrap(middleware::from_fn(net::rate_limit))
        .wrap(middleware::from_fn(routes::conditional_get))
        .wrap(middleware::from_fn(i18n::language_scope))
        .wrap(middleware::from_fn(routes::hygiene::security_headers))
        .wrap(middleware::Compress::default())
        .wrap(routes::cors::cors(
            &state.settings.server.cors_allowed_origins,
        ))
        // Outermost: the request id and the access log see every answer, CORS and errors included.
        .wrap(middleware::from_fn(telemetry::request_log))
}

/// The admin listener's application: `/metrics`, `/health` and `/ready` only, without the
/// bearer token `/metrics` needs on the main listener (bind it to a private address).
pub fn configure_admin_app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(web::Data::new(routes::health::AdminListener))
        .service(routes::health::health)
        .service(routes::health::ready)
        .service(routes::health::metrics)
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, error::AppError>(error::AppError::NotFound)
        }))
}

/// Starts the HTTP server on an already-bound listener (tests bind port 0).
pub fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    Ok(run_servers(listener, None, state)?.0)
}

/// Starts the HTTP server, and the admin server (`/metrics` without a token, `/health`,
/// `/ready`) on its own listener when given one. Both share the state and stop on the same
/// signals.
pub fn run_servers(
    listener: TcpListener,
    admin: Option<TcpListener>,
    state: AppState,
) -> anyhow::Result<(Server, Option<Server>)> {
    metrics::handle();
    let workers = state.settings.server.workers;
    let data = web::Data::new(state);
    if data.settings.reminders.scheduler {
        services::reminders::spawn_scheduler(data.clone().into_inner());
    }
    if data.settings.rollups.warm_interval_secs > 0 {
        services::warm::spawn_warmer(
            data.clone().into_inner(),
            std::time::Duration::from_secs(data.settings.rollups.warm_interval_secs),
        );
    }
    let admin_server = match admin {
        Some(admin) => {
            let data = data.clone();
            Some(
                HttpServer::new(move || configure_admin_app(data.clone()))
                    .listen(admin)?
                    .workers(1)
                    .shutdown_timeout(5)
                    .run(),
            )
        }
        None => None,
    };
    let mut server = HttpServer::new(move || configure_app(data.clone()))
        .listen(listener)?
        .shutdown_timeout(5);
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok((server.run(), admin_server))
}
