//! One contract, two adapters: the filesystem store and the S3 store (against
//! a local S3-compatible server, moto, started here on a loopback port).
//!
//! The S3 half is skipped when `moto_server` is not installed, unless
//! `REQUIRE_S3=1` (as CI runs it), which makes that a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use profile_application::ports::{MediaError, MediaStore};
use profile_infrastructure::media::{FsMediaStore, S3MediaStore, S3Settings};

/// The contract every media store keeps.
async fn media_store_contract(store: &dyn MediaStore) {
    let jpeg = b"\xFF\xD8 pretend jpeg bytes".to_vec();
    let key = store.put("user-1", jpeg.clone(), "image/jpeg").await.unwrap();
    assert!(key.ends_with(".jpg") && key.len() == 68, "{key}");
    assert_eq!(store.put("user-1", jpeg.clone(), "image/jpeg").await.unwrap(), key, "content-addressed");
    let other_owner = store.put("user-2", jpeg.clone(), "image/jpeg").await.unwrap();
    assert_ne!(other_owner, key, "owners never share a key");
    store.delete(&other_owner).await.unwrap();
    assert!(store.get(&key).await.unwrap().is_some(), "deleting another owner's copy keeps this one");

    let object = store.get(&key).await.unwrap().expect("stored object");
    assert_eq!(object.bytes, jpeg);
    assert_eq!(object.content_type, "image/jpeg");

    let png_key = store.put("user-1", b"\x89PNG pretend".to_vec(), "image/png").await.unwrap();
    assert!(png_key.ends_with(".png"));
    assert_eq!(store.get(&png_key).await.unwrap().unwrap().content_type, "image/png");

    let unknown = format!("{}.jpg", "0".repeat(64));
    assert_eq!(store.get(&unknown).await.unwrap(), None);
    for hostile in ["../Cargo.toml", "..%2f..%2fetc%2fpasswd", "", "a/../../b.jpg", &key.to_uppercase()] {
        assert_eq!(store.get(hostile).await.unwrap(), None, "{hostile}");
        store.delete(hostile).await.unwrap();
    }

    store.delete(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
    store.delete(&key).await.unwrap(); // deleting twice is fine
    assert!(store.get(&png_key).await.unwrap().is_some(), "other objects stay");
}

#[tokio::test]
async fn filesystem_store_keeps_the_contract() {
    let folder = tempfile::tempdir().unwrap();
    let store = FsMediaStore::new(folder.path().join("media")).unwrap();
    media_store_contract(&store).await;

    let files = walk(&folder.path().join("media"));
    let leftovers: Vec<_> =
        files.iter().filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with('.'))).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    assert_eq!(files.len(), 1, "only the PNG is left: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path.display().to_string());
        }
    }
    found
}

/// A moto server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto() -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(error) if std::env::var("REQUIRE_S3").is_ok_and(|v| v == "1") => {
            panic!("REQUIRE_S3=1 but moto_server cannot start: {error}")
        }
        Err(error) => {
            eprintln!("skipping: moto_server unavailable ({error}); pip install 'moto[server]'");
            return None;
        }
    };
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// Creates a bucket with moto's unsigned `PUT /bucket`.
fn create_bucket(port: u16, bucket: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "bucket creation: {response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_store_keeps_the_contract() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let Some(moto) = start_moto() else { return };
    create_bucket(moto.port, "profiles");
    let store = S3MediaStore::new(&S3Settings {
        bucket: "profiles".into(),
        region: "us-east-1".into(),
        endpoint: format!("http://127.0.0.1:{}", moto.port),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        prefix: "media".into(),
    })
    .unwrap();
    media_store_contract(&store).await;
}

#[tokio::test]
async fn a_filesystem_store_that_cannot_write_is_unavailable() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("media");
    let store = FsMediaStore::new(&root).unwrap();
    // A regular file where the store's folder was: no folder can be made in it, even by root.
    std::fs::remove_dir(&root).unwrap();
    std::fs::write(&root, b"").unwrap();

    let error = store.put("user-1", b"\xFF\xD8 bytes".to_vec(), "image/jpeg").await.unwrap_err();

    assert!(matches!(error, MediaError::Unavailable { .. }), "{error:?}");
    assert!(std::error::Error::source(&error).is_some(), "the I/O error is kept: {error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_store_that_cannot_be_reached_is_unavailable() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = S3MediaStore::new(&S3Settings {
        bucket: "profiles".into(),
        region: "us-east-1".into(),
        endpoint: format!("http://127.0.0.1:{closed}"),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        prefix: String::new(),
    })
    .unwrap();

    let started = Instant::now();
    let error = store.put("user-1", b"\xFF\xD8 bytes".to_vec(), "image/jpeg").await.unwrap_err();
    eprintln!("an unreachable S3 endpoint failed a put after {:?}", started.elapsed());

    assert!(matches!(error, MediaError::Unavailable { .. }), "{error:?}");
}
