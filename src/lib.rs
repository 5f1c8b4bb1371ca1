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
pub mod openapi;
pub mod routes;
pub mod services;
pub mod telemetry;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use utoipa_actix_web::AppExt;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::{DbConnection, DbPool};
use crate::error::AppResult;

/// Shared state of every worker: the pool, the settings, and the signing keys.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub jwt: JwtKeys,
    pub metrics: metrics::Metrics,
    pub login_throttle: auth::throttle::LoginThrottle,
}

impl AppState {
    pub fn new(pool: DbPool, settings: Settings) -> AppState {
        let jwt = JwtKeys::new(&settings.auth.jwt_secret, settings.auth.access_ttl_secs);
        AppState {
            pool,
            settings: Arc::new(settings),
            jwt,
            metrics: metrics::Metrics::default(),
            login_throttle: auth::throttle::LoginThrottle::default(),
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
        web::block(move || {
            i18n::with_lang(lang, || {
                let waiting = std::time::Instant::now();
                let conn = state.pool.get();
                metrics::observe_pool_wait(waiting.elapsed().as_secs_f64(), conn.is_err());
                let mut conn = conn?;
                let working = std::time::Instant::now();
                let out = f(&mut conn, &state);
                metrics::observe_db_work(working.elapsed().as_secs_f64());
                out
            })
        })
        .await?
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
    let pool = db::build_pool(
        &settings.database.url,
        settings.database.pool_size,
        Duration::from_secs(settings.database.connect_timeout_secs),
    )?;
    {
        let mut conn = pool.get()?;
        let applied = db::run_migrations(&mut conn)?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        services::staff::bootstrap_admin(&mut conn, &settings.bootstrap)?;
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
        let totals_policy = totals_policy(&settings);
        let started = std::time::Instant::now();
        if services::totals::ensure_current(&mut conn, &totals_policy)
            .map_err(|e| anyhow::anyhow!("rebuilding daily totals: {e}"))?
        {
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "daily totals rebuilt for the current diary policy"
            );
        }
    }
    Ok(AppState::new(pool, settings))
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
    app.service(web::resource("/docs").route(web::get().to(routes::docs::redirect)))
        .service(routes::docs::swagger(api))
        .default_service(web::to(routes::not_found))
        .wrap(middleware::from_fn(routes::conditional_get))
        .wrap(middleware::from_fn(i18n::language_scope))
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
        .default_service(web::to(routes::not_found))
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
