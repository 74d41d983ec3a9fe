//! scratch
use crate::helpers::{Backend, PASSWORD, try_spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_rows() {
    let app = try_spawn_app(Backend::Sqlite, |_| {}).await.unwrap();
    let u = app.register("someone").await;
    eprintln!("{:?}", app.rows("SELECT * FROM sessions").await);
    eprintln!("{:?}", app.rows("SELECT * FROM users").await);
    eprintln!("{}", app.count("SELECT COUNT(*) AS n FROM sessions").await);
    let pg = try_spawn_app(Backend::Postgres, |_| {}).await.unwrap();
    pg.register("someone").await;
    eprintln!("{:?}", pg.rows("SELECT * FROM sessions").await);
    eprintln!("{}", pg.count("SELECT COUNT(*) AS n FROM sessions").await);
    let _ = u;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_sqlite_delete() {
    let app = try_spawn_app(Backend::Sqlite, |_| {}).await.unwrap();
    let u = app.register("someone").await;
    let dir = app.sqlite_folder().unwrap().to_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    for _ in 0..3 {
        let r = app.post_json("/v1/sessions", None, &json!({"login": "someone", "password": PASSWORD})).await;
        eprintln!("delete: login {} {:?}", r.status(), r.text().await);
        let r = app.get("/v1/users/me", Some(&u.token)).await;
        eprintln!("delete: me {} {:?}", r.status(), r.text().await);
        let r = app.get("/readyz", None).await;
        eprintln!("delete: readyz {} {:?}", r.status(), r.text().await);
    }
    let r = app
        .post_json(
            "/v1/accounts",
            None,
            &json!({"username": "other", "email": "o@example.com", "password": PASSWORD}),
        )
        .await;
    eprintln!("delete: register {} {:?}", r.status(), r.text().await);
    let _ = StatusCode::OK;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_sqlite_garble() {
    let app = try_spawn_app(Backend::Sqlite, |_| {}).await.unwrap();
    let u = app.register("someone").await;
    let dir = app.sqlite_folder().unwrap().to_owned();
    for f in std::fs::read_dir(&dir).unwrap() {
        eprintln!("{:?}", f.unwrap().path());
    }
    use std::io::{Seek, Write};
    for name in ["profiles.db", "profiles.db-wal", "profiles.db-shm"] {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(dir.join(name)) {
            let len = f.metadata().unwrap().len();
            f.seek(std::io::SeekFrom::Start(0)).unwrap();
            f.write_all(&vec![0xAB; len as usize]).unwrap();
        }
    }
    for _ in 0..3 {
        let r = app.post_json("/v1/sessions", None, &json!({"login": "someone", "password": PASSWORD})).await;
        eprintln!("garble: login {} {:?}", r.status(), r.text().await);
        let r = app.get("/v1/users/me", Some(&u.token)).await;
        eprintln!("garble: me {} {:?}", r.status(), r.text().await);
        let r = app.get("/readyz", None).await;
        eprintln!("garble: readyz {} {:?}", r.status(), r.text().await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch_pg_drop() {
    let app = try_spawn_app(Backend::Postgres, |_| {}).await.unwrap();
    let u = app.register("someone").await;
    app.drop_database().await;
    for _ in 0..2 {
        let t = std::time::Instant::now();
        let r = app.post_json("/v1/sessions", None, &json!({"login": "someone", "password": PASSWORD})).await;
        eprintln!(
            "pg: login {} {:?} {:?} {:?}",
            r.status(),
            r.headers().get("retry-after"),
            r.text().await,
            t.elapsed()
        );
        let r = app.get("/v1/users/me", Some(&u.token)).await;
        eprintln!("pg: me {} {:?}", r.status(), r.text().await);
        let r = app.get("/readyz", None).await;
        eprintln!("pg: readyz {} {:?}", r.status(), r.text().await);
    }
}
