//! The anchors: what the hardware, the HTTP stack and one database round
//! trip allow on this machine, measured in the same run as the service.

use std::path::Path;
use std::time::Instant;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier, Version};
use chrono::{DateTime, Utc};
use profile_infrastructure::security::argon2_hasher::{ITERATIONS, MEMORY_KIB, PARALLELISM};
use sea_orm::sqlx::{self, PgPool, Row, SqlitePool};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `static`: the body from memory, nothing else.
pub fn serve_static(body: &Path, port: u16) -> anyhow::Result<()> {
    let body = web::Bytes::from(std::fs::read(body).context("read the body")?);
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let body = body.clone();
            App::new().route(
                "/v1/users/{id}",
                web::get().to(move || {
                    let body = body.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(body) }
                }),
            )
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}

/// The session and the profile in one statement: the token must name a live
/// session, the profile is read by primary key.
const CEILING_PG: &str = "SELECT u.id, u.username, u.name, u.description_text, u.location, u.country, \
    u.locale, u.timezone, u.gender, u.website_url, u.twitter_url, u.facebook_url, u.instagram_url, \
    u.eth_address, u.is_creator, u.created_at, u.updated_at, u.version \
    FROM sessions s JOIN users u ON u.id = $2 \
    WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $3";
const CEILING_SQLITE: &str = "SELECT u.id, u.username, u.name, u.description_text, u.location, u.country, \
    u.locale, u.timezone, u.gender, u.website_url, u.twitter_url, u.facebook_url, u.instagram_url, \
    u.eth_address, u.is_creator, u.created_at, u.updated_at, u.version \
    FROM sessions s JOIN users u ON u.id = ? \
    WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?";

#[derive(Clone)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// A profile body of the same shape and size as the service's.
#[derive(Serialize)]
struct Profile {
    id: i64,
    username: String,
    name: String,
    description: Description,
    location: Option<String>,
    country: Option<Country>,
    locale: String,
    timezone: String,
    gender: Option<String>,
    website_url: Option<String>,
    twitter_url: Option<String>,
    facebook_url: Option<String>,
    instagram_url: Option<String>,
    eth_address: Option<String>,
    is_creator: bool,
    role: Role,
    avatar_image: Image,
    cover_image: Image,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

#[derive(Serialize)]
struct Description {
    text: String,
    html: String,
    entities: Entities,
}

#[derive(Serialize)]
struct Entities {
    mentions: [(); 0],
    hashtags: [(); 0],
    links: [(); 0],
}

#[derive(Serialize)]
struct Country {
    code: String,
    label: &'static str,
}

#[derive(Serialize)]
struct Role {
    name: &'static str,
    privileges: [&'static str; 0],
}

#[derive(Serialize)]
struct Image {
    url: &'static str,
    width: u32,
    height: u32,
    is_default: bool,
}

fn profile<R: Row>(row: &R) -> Result<Profile, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let text: String = row.try_get("description_text")?;
    Ok(Profile {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        name: row.try_get("name")?,
        description: Description {
            html: format!("<span>{text}</span>"),
            text,
            entities: Entities { mentions: [], hashtags: [], links: [] },
        },
        location: row.try_get("location")?,
        country: row
            .try_get::<Option<String>, _>("country")?
            .map(|code| Country { code, label: "Country name" }),
        locale: row.try_get("locale")?,
        timezone: row.try_get("timezone")?,
        gender: row.try_get("gender")?,
        website_url: row.try_get("website_url")?,
        twitter_url: row.try_get("twitter_url")?,
        facebook_url: row.try_get("facebook_url")?,
        instagram_url: row.try_get("instagram_url")?,
        eth_address: row.try_get("eth_address")?,
        is_creator: row.try_get("is_creator")?,
        role: Role { name: "user", privileges: [] },
        avatar_image: Image {
            url: "http://127.0.0.1:8080/media/default/avatar.png",
            width: 200,
            height: 200,
            is_default: true,
        },
        cover_image: Image {
            url: "http://127.0.0.1:8080/media/default/cover.png",
            width: 960,
            height: 320,
            is_default: true,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

async fn read(pool: web::Data<Pool>, path: web::Path<i64>, req: HttpRequest) -> HttpResponse {
    let Some(token) = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return HttpResponse::Unauthorized().finish();
    };
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    let now = Utc::now();
    let found = match pool.get_ref() {
        Pool::Postgres(pool) => sqlx::query(CEILING_PG)
            .bind(digest)
            .bind(*path)
            .bind(now)
            .fetch_optional(pool)
            .await
            .and_then(|row| row.as_ref().map(profile).transpose()),
        Pool::Sqlite(pool) => sqlx::query(CEILING_SQLITE)
            .bind(*path)
            .bind(digest)
            .bind(now)
            .fetch_optional(pool)
            .await
            .and_then(|row| row.as_ref().map(profile).transpose()),
    };
    match found {
        Ok(Some(profile)) => HttpResponse::Ok().json(profile),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// `ceiling`: actix-web + sqlx, one prepared statement per request.
pub fn serve_ceiling(database: &str, port: u16, pool_size: u32) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let pool = if database.starts_with("sqlite:") {
            Pool::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new().max_connections(pool_size).connect(database).await?,
            )
        } else {
            Pool::Postgres(
                sqlx::postgres::PgPoolOptions::new().max_connections(pool_size).connect(database).await?,
            )
        };
        let pool = web::Data::new(pool);
        HttpServer::new(move || {
            App::new().app_data(pool.clone()).route("/v1/users/{id}", web::get().to(read))
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await?;
        anyhow::Ok(())
    })
}

/// `argon2`: the median of `rounds` verifications on one thread.
pub fn time_argon2(rounds: u32) -> anyhow::Result<()> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(anyhow::Error::msg)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let stored = argon2.hash_password(b"violet tractor umbrella").map_err(anyhow::Error::msg)?.to_string();
    let parsed = PasswordHash::new(&stored).map_err(anyhow::Error::msg)?;
    let mut times: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let started = Instant::now();
            let ok = argon2.verify_password(b"violet tractor umbrella", &parsed).is_ok();
            assert!(ok, "the password verifies");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let verify_ms = times[times.len() / 2];
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let ceiling = cores as f64 * 1000.0 / verify_ms;
    println!("{}", serde_json::json!({"verify_ms": verify_ms, "cores": cores, "ceiling_per_s": ceiling}));
    Ok(())
}

/// `sqlite-writes`: one-row write transactions through sqlx on one
/// connection, back to back (`BEGIN IMMEDIATE`, read the row, update it,
/// `COMMIT`), with the service's pragmas: the most durable writes per second
/// SQLite allows here.
pub fn time_sqlite_writes(database: &str, seconds: u64) -> anyhow::Result<()> {
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sea_orm::sqlx::{Connection, SqliteConnection};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let options: SqliteConnectOptions = database.parse()?;
        let options = options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Full);
        let mut connection = SqliteConnection::connect_with(&options).await?;
        let started = Instant::now();
        let mut done = 0_u64;
        while started.elapsed().as_secs() < seconds {
            let id = 1 + i64::try_from(done % 64).unwrap_or(0);
            sqlx::query("BEGIN IMMEDIATE").execute(&mut connection).await?;
            let (version,): (i64,) = sqlx::query_as("SELECT version FROM users WHERE id = ?")
                .bind(id)
                .fetch_one(&mut connection)
                .await?;
            sqlx::query("UPDATE users SET location = ?, version = ? WHERE id = ? AND version = ?")
                .bind(format!("Place {done}"))
                .bind(version + 1)
                .bind(id)
                .bind(version)
                .execute(&mut connection)
                .await?;
            sqlx::query("COMMIT").execute(&mut connection).await?;
            done += 1;
        }
        let rate = done as f64 / started.elapsed().as_secs_f64();
        println!("{}", serde_json::json!({"transactions_per_s": rate}));
        anyhow::Ok(())
    })
}
