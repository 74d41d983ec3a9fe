//! `seed`: realistic profiles, bulk-loaded (COPY on PostgreSQL, multi-row
//! INSERTs in one transaction on SQLite), with sessions for the first users
//! and their tokens written out for the load generator.
//!
//! Every value obeys the service's field rules, so each seeded profile reads
//! back exactly as one written through the API would. One argon2 hash (of
//! `--password`) is shared by every account: hashing a million passwords
//! would take hours and measures nothing.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use profile_infrastructure::security::argon2_hasher::{ITERATIONS, MEMORY_KIB, PARALLELISM};
use sea_orm::sqlx::{self, Connection, PgConnection, SqliteConnection};
use sha2::{Digest, Sha256};

const FIRST: [&str; 24] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "kasia", "liam",
    "maja", "nora", "oscar", "piotr", "quinn", "rosa", "sam", "tomek", "ula", "victor", "wanda", "zoe",
];
const LAST: [&str; 16] = [
    "Nowak",
    "Smith",
    "Kowalski",
    "García",
    "Müller",
    "Rossi",
    "Dubois",
    "Silva",
    "Tanaka",
    "Kim",
    "Novak",
    "Jensen",
    "O'Brien",
    "Wiśniewska",
    "Ivanova",
    "Okafor",
];
const PLACES: [(&str, &str, &str, &str); 8] = [
    ("Warsaw", "PL", "pl-PL", "Europe/Warsaw"),
    ("Kraków", "PL", "pl", "Europe/Warsaw"),
    ("Berlin", "DE", "de-DE", "Europe/Berlin"),
    ("Lisbon", "PT", "pt-PT", "Europe/Lisbon"),
    ("Austin, Texas", "US", "en-US", "America/Chicago"),
    ("Toronto", "CA", "en-CA", "America/Toronto"),
    ("Osaka", "JP", "ja-JP", "Asia/Tokyo"),
    ("Lagos", "NG", "en-NG", "Africa/Lagos"),
];
const TOPICS: [&str; 8] =
    ["rust", "photography", "climbing", "jazz", "gardening", "chess", "opensource", "coffee"];
const GENDERS: [Option<&str>; 6] =
    [Some("female"), Some("male"), Some("non_binary"), Some("prefer_not_to_say"), Some("genderfluid"), None];

/// splitmix64: deterministic, so two runs seed the same profiles.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The username of seeded user `id` (1-based): unique, 3–20 characters.
pub fn username(id: u64) -> String {
    format!("{}_{id:x}", FIRST[usize::try_from(id % FIRST.len() as u64).unwrap_or(0)])
}

/// One seeded account.
struct Seeded {
    id: i64,
    username: String,
    email: String,
    name: String,
    description: String,
    mentions: Vec<String>,
    location: Option<&'static str>,
    country: Option<&'static str>,
    locale: &'static str,
    timezone: &'static str,
    birthdate: Option<NaiveDate>,
    gender: Option<&'static str>,
    website_url: Option<String>,
    twitter_url: Option<String>,
    instagram_url: Option<String>,
    eth_address: Option<String>,
    bank_account: Option<String>,
    is_creator: bool,
    annotations: &'static str,
    created_at: DateTime<Utc>,
}

fn seeded(id: u64, users: u64, now: DateTime<Utc>) -> Seeded {
    let mut rng = Rng(id.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let name = username(id);
    let (city, country, locale, timezone) = PLACES[rng.below(PLACES.len())];
    let topic = TOPICS[rng.below(TOPICS.len())];
    let mut description =
        format!("{} from {city}. Into #{topic} and long walks.", LAST[rng.below(LAST.len())]);
    let mut mentions = Vec::new();
    if users > 1 && rng.chance(50) {
        let friend = username(1 + (id + 1 + rng.next() % 97) % users);
        let _ = write!(description, " Building things with @{friend}.");
        mentions.push(friend);
    }
    if rng.chance(30) {
        let _ = write!(description, " Notes at https://example.org/{name}");
    }
    let first = FIRST[usize::try_from(id % FIRST.len() as u64).unwrap_or(0)];
    let display = format!("{}{} {}", first[..1].to_uppercase(), &first[1..], LAST[rng.below(LAST.len())]);
    let days = i64::try_from(rng.next() % 1500).unwrap_or(0);
    Seeded {
        id: i64::try_from(id).unwrap_or(i64::MAX),
        email: format!("{name}@example.com"),
        username: name.clone(),
        name: display,
        description,
        mentions,
        location: rng.chance(80).then_some(city),
        country: rng.chance(70).then_some(country),
        locale,
        timezone,
        birthdate: rng.chance(60).then(|| {
            NaiveDate::from_ymd_opt(
                1960 + i32::try_from(rng.next() % 45).unwrap_or(0),
                1 + (id % 12) as u32,
                1 + (id % 28) as u32,
            )
            .unwrap_or_default()
        }),
        gender: GENDERS[rng.below(GENDERS.len())],
        website_url: rng.chance(40).then(|| format!("https://{}.example.com/", name.replace('_', "-"))),
        twitter_url: rng.chance(40).then(|| format!("https://twitter.com/{name}")),
        instagram_url: rng.chance(20).then(|| format!("https://instagram.com/{name}")),
        eth_address: rng
            .chance(10)
            .then(|| format!("0x{:016x}{:016x}{:08x}", rng.next(), rng.next(), rng.next() as u32)),
        bank_account: rng.chance(20).then(|| iban(&mut rng)),
        is_creator: rng.chance(5),
        annotations: if rng.chance(10) {
            r#"[{"type":"net.app.core.directory.blog","value":{"url":"https://blog.example.com/"}}]"#
        } else {
            "[]"
        },
        created_at: now - Duration::days(days) - Duration::seconds(i64::try_from(id % 86_400).unwrap_or(0)),
    }
}

/// A Polish IBAN with valid check digits (ISO 13616: mod 97).
fn iban(rng: &mut Rng) -> String {
    let account: String = (0..24).map(|_| char::from(b'0' + (rng.next() % 10) as u8)).collect();
    // "PL00" moved to the end, letters as numbers: P=25, L=21.
    let digits = format!("{account}252100");
    let remainder = digits.bytes().fold(0_u32, |r, d| (r * 10 + u32::from(d - b'0')) % 97);
    format!("PL{:02}{account}", 98 - remainder)
}

/// The token of seeded session `id`: `pfd_` + 64 hex digits, like the service's.
fn token(id: u64) -> String {
    format!("pfd_{}", hex::encode(Sha256::digest(format!("bench-session-{id}").as_bytes())))
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Loads `users` profiles and `sessions` sessions, then writes the tokens.
pub async fn run(
    database: &str,
    users: u64,
    sessions: u64,
    tokens: &Path,
    password: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(anyhow::Error::msg)?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .map_err(anyhow::Error::msg)?
        .to_string();
    let now = Utc::now();
    let sessions = sessions.min(users);
    if database.starts_with("sqlite:") {
        let mut conn = SqliteConnection::connect(database).await.context("connect to SQLite")?;
        seed_sqlite(&mut conn, users, sessions, &hash, now).await?;
    } else {
        let mut conn = PgConnection::connect(database).await.context("connect to PostgreSQL")?;
        seed_postgres(&mut conn, users, sessions, &hash, now).await?;
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(tokens).context("create the tokens file")?);
    for id in 1..=sessions {
        writeln!(out, "{id},{},{}", username(id), token(id))?;
    }
    out.flush()?;
    eprintln!("seeded {users} profiles and {sessions} sessions in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The columns of `users` this database has (the seeder fills those it knows).
async fn has_column_pg(conn: &mut PgConnection, column: &str) -> anyhow::Result<bool> {
    let found: Option<(i32,)> = sqlx::query_as(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = $1",
    )
    .bind(column)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

fn csv(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push(','),
        Some(value) => {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push_str("\",");
        }
    }
}

fn mentions_json(mentions: &[String]) -> String {
    serde_json::to_string(&mentions.iter().map(|m| m.to_lowercase()).collect::<Vec<_>>()).unwrap_or_default()
}

async fn seed_postgres(
    conn: &mut PgConnection,
    users: u64,
    sessions: u64,
    hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (role_id,): (i64,) =
        sqlx::query_as("SELECT id FROM roles WHERE name = 'user'").fetch_one(&mut *conn).await?;
    let with_mentions = has_column_pg(conn, "mentions").await?;
    let columns = format!(
        "id, username, username_key, email, email_key, password_hash, name, role_id, created_at, updated_at, \
         version, description_text, description_links, location, country, locale, timezone, birthdate, gender, \
         website_url, twitter_url, facebook_url, instagram_url, eth_address, bank_account, is_creator, annotations{}",
        if with_mentions { ", mentions" } else { "" }
    );
    let mut copy = conn.copy_in_raw(&format!("COPY users ({columns}) FROM STDIN (FORMAT csv)")).await?;
    let mut chunk = String::with_capacity(1 << 20);
    for id in 1..=users {
        let u = seeded(id, users, now);
        let created = u.created_at.to_rfc3339();
        let _ = write!(chunk, "{},", u.id);
        for value in
            [&u.username, &u.username.to_lowercase(), &u.email, &u.email.to_lowercase(), &hash.to_owned()]
        {
            csv(&mut chunk, Some(value));
        }
        csv(&mut chunk, Some(&u.name));
        let _ = write!(chunk, "{role_id},{created},{created},1,");
        csv(&mut chunk, Some(&u.description));
        csv(&mut chunk, Some("[]"));
        csv(&mut chunk, u.location);
        csv(&mut chunk, u.country);
        csv(&mut chunk, Some(u.locale));
        csv(&mut chunk, Some(u.timezone));
        csv(&mut chunk, u.birthdate.map(|d| d.to_string()).as_deref());
        csv(&mut chunk, u.gender);
        csv(&mut chunk, u.website_url.as_deref());
        csv(&mut chunk, u.twitter_url.as_deref());
        csv(&mut chunk, None);
        csv(&mut chunk, u.instagram_url.as_deref());
        csv(&mut chunk, u.eth_address.as_deref());
        csv(&mut chunk, u.bank_account.as_deref());
        let _ = write!(chunk, "{},", u.is_creator);
        csv(&mut chunk, Some(u.annotations));
        if with_mentions {
            csv(&mut chunk, Some(&mentions_json(&u.mentions)));
        }
        chunk.pop();
        chunk.push('\n');
        if chunk.len() > (1 << 20) - 4096 {
            copy.send(chunk.as_bytes()).await?;
            chunk.clear();
        }
    }
    copy.send(chunk.as_bytes()).await?;
    copy.finish().await?;

    let mut copy = conn
        .copy_in_raw("COPY sessions (user_id, token_hash, created_at, expires_at) FROM STDIN (FORMAT csv)")
        .await?;
    let mut chunk = String::new();
    let expires = (now + Duration::days(30)).to_rfc3339();
    for id in 1..=sessions {
        let _ = writeln!(chunk, "{id},{},{},{expires}", digest(&token(id)), now.to_rfc3339());
    }
    copy.send(chunk.as_bytes()).await?;
    copy.finish().await?;
    sqlx::query("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))")
        .execute(&mut *conn)
        .await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    Ok(())
}

async fn seed_sqlite(
    conn: &mut SqliteConnection,
    users: u64,
    sessions: u64,
    hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (role_id,): (i64,) =
        sqlx::query_as("SELECT id FROM roles WHERE name = 'user'").fetch_one(&mut *conn).await?;
    let with_mentions: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM pragma_table_info('users') WHERE name = 'mentions'")
            .fetch_optional(&mut *conn)
            .await?;
    let with_mentions = with_mentions.is_some();
    let columns = format!(
        "INSERT INTO users (id, username, username_key, email, email_key, password_hash, name, role_id, \
         created_at, updated_at, version, description_text, description_links, location, country, locale, \
         timezone, birthdate, gender, website_url, twitter_url, instagram_url, eth_address, bank_account, \
         is_creator, annotations{}) ",
        if with_mentions { ", mentions" } else { "" },
    );
    let mut tx = conn.begin().await?;
    // 200 rows per statement (27 values each, well under SQLite's 32,766).
    let ids: Vec<u64> = (1..=users).collect();
    for chunk in ids.chunks(200) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(columns.as_str());
        insert.push_values(chunk.iter().map(|id| seeded(*id, users, now)), |mut row, u| {
            row.push_bind(u.id)
                .push_bind(u.username.clone())
                .push_bind(u.username.to_lowercase())
                .push_bind(u.email.clone())
                .push_bind(u.email.to_lowercase())
                .push_bind(hash.to_owned())
                .push_bind(u.name)
                .push_bind(role_id)
                .push_bind(u.created_at)
                .push_bind(u.created_at)
                .push_bind(1_i64)
                .push_bind(u.description)
                .push_bind("[]")
                .push_bind(u.location)
                .push_bind(u.country)
                .push_bind(u.locale)
                .push_bind(u.timezone)
                .push_bind(u.birthdate)
                .push_bind(u.gender)
                .push_bind(u.website_url)
                .push_bind(u.twitter_url)
                .push_bind(u.instagram_url)
                .push_bind(u.eth_address)
                .push_bind(u.bank_account)
                .push_bind(u.is_creator)
                .push_bind(u.annotations);
            if with_mentions {
                row.push_bind(mentions_json(&u.mentions));
            }
        });
        insert.build().execute(&mut *tx).await?;
    }
    let expires = now + Duration::days(30);
    for id in 1..=sessions {
        sqlx::query("INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(i64::try_from(id).unwrap_or(i64::MAX))
            .bind(digest(&token(id)))
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    Ok(())
}
