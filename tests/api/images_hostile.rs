//! Hostile and broken uploads: oversized bodies, wrong types, truncated files,
//! decompression bombs, malformed forms. Each gets a clear 4xx, quickly, and
//! leaves the previous image and the media folder exactly as they were.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::image_files::{padded_jpeg, png_bomb};
use crate::support::helpers::{TestApp, TestUser, assert_problem};
use crate::support::image_helpers::{
    MediaDir, RED, animated_gif, fetch_image, jpeg, me, picture, png, red_middle, upload, upload_as,
    upload_ok, webp_lossless,
};
use crate::support::profile_helpers::assert_invalid;

const MIB: usize = 1024 * 1024;

/// What a failed upload must leave untouched.
struct Before {
    profile: Value,
    files: Vec<String>,
}

/// Registers `username` and gives them an avatar.
async fn user_with_avatar(app: &TestApp, media: &MediaDir, username: &str) -> (TestUser, Before) {
    let user = app.register(username).await;
    let profile = upload_ok(app, &user, "avatar", jpeg(&red_middle())).await;
    let files = media.files();
    assert_eq!(files.len(), 3);
    (user, Before { profile, files })
}

async fn assert_nothing_changed(
    app: &TestApp,
    media: &MediaDir,
    user: &TestUser,
    before: &Before,
    case: &str,
) {
    assert_eq!(me(app, user).await, before.profile, "{case}: the profile is unchanged");
    assert_eq!(media.files(), before.files, "{case}: no file added or removed");
    let url = before.profile["avatar_image"]["url"].as_str().expect("avatar url");
    let avatar = fetch_image(app, url, "image/jpeg").await;
    assert_eq!(avatar.dimensions(), (200, 200), "{case}: the previous avatar still serves");
}

/// `jpeg` with its SOF0 frame header claiming `width`×`height`.
fn jpeg_claiming(mut jpeg: Vec<u8>, width: u16, height: u16) -> Vec<u8> {
    let mut at = 2;
    while jpeg[at + 1] != 0xc0 {
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    jpeg[at + 5..at + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[at + 7..at + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

/// `POST /v1/users/me/avatar` with a raw `body` of `content_type` (or none).
async fn post_raw(app: &TestApp, user: &TestUser, content_type: Option<&str>, body: Vec<u8>) -> Response {
    let mut request = app.request(Method::POST, "/v1/users/me/avatar", Some(&user.token)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.expect("request sent")
}

/// How a raw upload of a huge body is sent.
#[derive(Clone, Copy)]
enum Sending {
    /// `Content-Length` of the whole body, then only `sent` bytes of it, then silence.
    Stalled { sent: usize },
    /// `Content-Length`, all of it at full speed from another thread.
    Everything,
    /// `Transfer-Encoding: chunked`, `sent` bytes, then silence.
    ChunkedStalled { sent: usize },
}

/// Uploads a `size`-byte avatar over a raw socket and returns the response
/// head and how long it took to arrive. A reset after the head is fine; a
/// reset before it is a failure.
async fn huge_upload(app: &TestApp, token: &str, size: usize, sending: Sending) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://").to_owned();
    let boundary = "hostileboundary42";
    let preamble = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"big.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    let epilogue = format!("\r\n--{boundary}--\r\n");
    let framing = match sending {
        Sending::ChunkedStalled { .. } => "Transfer-Encoding: chunked".to_owned(),
        _ => format!("Content-Length: {}", preamble.len() + size + epilogue.len()),
    };
    let head = format!(
        "POST /v1/users/me/avatar HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let stream = TcpStream::connect(&address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
        let mut writer = stream.try_clone().expect("clone socket");
        let started = Instant::now();
        let sender = std::thread::spawn(move || -> std::io::Result<()> {
            let chunk = vec![0xaa_u8; 64 * 1024];
            writer.write_all(head.as_bytes())?;
            match sending {
                Sending::Stalled { sent } => {
                    writer.write_all(preamble.as_bytes())?;
                    for _ in 0..sent / chunk.len() {
                        writer.write_all(&chunk)?;
                    }
                }
                Sending::Everything => {
                    writer.write_all(preamble.as_bytes())?;
                    for _ in 0..size / chunk.len() {
                        writer.write_all(&chunk)?;
                    }
                    writer.write_all(&chunk[..size % chunk.len()])?;
                    writer.write_all(epilogue.as_bytes())?;
                }
                Sending::ChunkedStalled { sent } => {
                    write!(writer, "{:x}\r\n{preamble}\r\n", preamble.len())?;
                    for _ in 0..sent / chunk.len() {
                        write!(writer, "{:x}\r\n", chunk.len())?;
                        writer.write_all(&chunk)?;
                        writer.write_all(b"\r\n")?;
                    }
                }
            }
            writer.flush()
        });
        let mut reader = stream;
        let mut response = Vec::new();
        let mut buffer = [0_u8; 4096];
        let head_end = loop {
            if let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            match reader.read(&mut buffer) {
                Ok(0) => panic!(
                    "connection closed before a response head: {:?}",
                    String::from_utf8_lossy(&response)
                ),
                Ok(n) => response.extend_from_slice(&buffer[..n]),
                Err(error) => panic!(
                    "no response head after {:?} ({error}); read so far: {:?}",
                    started.elapsed(),
                    String::from_utf8_lossy(&response)
                ),
            }
        };
        let elapsed = started.elapsed();
        // The sender either finished or was cut off by the server; both are
        // fine. Shutting the socket down unblocks a sender the server no longer reads.
        let _ = reader.shutdown(std::net::Shutdown::Both);
        let _ = sender.join();
        (String::from_utf8_lossy(&response[..head_end]).into_owned(), elapsed)
    })
    .await
    .expect("raw upload task")
}

fn assert_quick_413(head: &str, elapsed: Duration, case: &str) {
    assert!(head.starts_with("HTTP/1.1 413"), "{case}: {head}");
    assert!(head.to_lowercase().contains("content-type: application/problem+json"), "{case}: {head}");
    assert!(elapsed < Duration::from_secs(2), "{case}: the 413 took {elapsed:?}");
}

#[test]
fn images_bomb_generator_writes_valid_pngs() {
    for (width, height) in [(300, 40), (13, 7), (8, 1)] {
        let decoded = image::load_from_memory(&png_bomb(width, height)).expect("a valid PNG").to_luma8();
        assert_eq!(decoded.dimensions(), (width, height));
        assert!(decoded.pixels().all(|p| p.0 == [0]));
    }
    let bomb = png_bomb(20_000, 20_000);
    assert!(bomb.len() < 400 * 1024, "{} bytes", bomb.len());
    assert_eq!(&bomb[16..24], [0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20]);
}

with_media_on_both_databases! {
    async fn an_avatar_of_1_mib_is_refused_with_413(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "limit_user").await;
        let source = jpeg(&picture(64, 64, |_, _| RED));
        for size in [MIB, MIB + 1] {
            let response = upload(&app, &user, "avatar", padded_jpeg(&source, size)).await;
            let problem = assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
            assert!(problem["detail"].as_str().unwrap().contains("1048575"), "{problem}");
            assert_nothing_changed(&app, &media, &user, &before, &format!("{size} bytes")).await;
        }
        // One byte less is accepted (and the padding is not kept).
        let profile = upload_ok(&app, &user, "avatar", padded_jpeg(&source, MIB - 1)).await;
        assert_ne!(profile["avatar_image"], before.profile["avatar_image"]);
        let files = media.files();
        assert_eq!(files.len(), 3, "{files:?}");
        assert!(
            files
                .iter()
                .all(|f| std::fs::metadata(media.path().join(&f[..2]).join(f)).unwrap().len() < 64 * 1024)
        );
    }

    async fn the_upload_limits_are_configurable(app, media, |s| {
        s.media.avatar_max_bytes = 2_000;
        s.media.cover_max_bytes = 30_000;
    }) {
        let user = app.register("small_limit").await;
        let small = jpeg(&picture(16, 16, |_, _| RED));
        let response = upload(&app, &user, "avatar", padded_jpeg(&small, 2_001)).await;
        assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        upload_ok(&app, &user, "avatar", padded_jpeg(&small, 2_000)).await;
        let cover = jpeg(&picture(960, 100, |_, _| RED));
        let response = upload(&app, &user, "cover", padded_jpeg(&cover, 30_001)).await;
        assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        upload_ok(&app, &user, "cover", padded_jpeg(&cover, 30_000)).await;
        assert_eq!(media.files().len(), 3 + 2);
    }

    async fn a_huge_upload_is_answered_before_it_is_read(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "huge_user").await;
        let cases = [
            ("20 MiB declared, 2 MiB sent", Sending::Stalled { sent: 2 * MIB }),
            ("20 MiB chunked, 2 MiB sent", Sending::ChunkedStalled { sent: 2 * MIB }),
            ("20 MiB at full speed", Sending::Everything),
        ];
        for (case, sending) in cases {
            let (head, elapsed) = huge_upload(&app, &user.token, 20 * MIB, sending).await;
            assert_quick_413(&head, elapsed, case);
            assert_nothing_changed(&app, &media, &user, &before, case).await;
        }
    }

    async fn a_file_that_is_not_an_accepted_image_is_415(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "type_user").await;
        let cases: [(&str, Vec<u8>); 6] = [
            ("text declared as JPEG", b"Hello, I am definitely a JPEG. Trust me.\n".repeat(20)),
            ("an empty file", Vec::new()),
            ("a BMP header", [&b"BM"[..], &[0; 60]].concat()),
            ("an SVG", br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#.to_vec()),
            ("a TIFF header", [&b"II*\0"[..], &[8, 0, 0, 0], &[0; 40]].concat()),
            ("a PDF", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n".to_vec()),
        ];
        for (case, bytes) in cases {
            let response = upload(&app, &user, "avatar", bytes).await;
            assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{case}");
            assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
            assert_nothing_changed(&app, &media, &user, &before, case).await;
        }
    }

    async fn a_truncated_or_corrupt_image_is_422_invalid_image(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "broken_user").await;
        let source = picture(300, 300, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255]));
        let half = |bytes: Vec<u8>| bytes[..bytes.len() / 2].to_vec();
        let cases: [(&str, Vec<u8>); 6] = [
            ("the first half of a JPEG", half(jpeg(&source))),
            ("the first half of a PNG", half(png(&source))),
            ("the first half of a GIF", half(animated_gif(std::slice::from_ref(&source)))),
            ("the first half of a WebP", half(webp_lossless(&source))),
            ("a JPEG signature and nothing else", vec![0xff, 0xd8, 0xff, 0xe0]),
            ("a PNG signature and nothing else", b"\x89PNG\r\n\x1a\n".to_vec()),
        ];
        for (case, bytes) in cases {
            let response = upload(&app, &user, "avatar", bytes).await;
            let status = response.status();
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            assert_invalid(response, &[("avatar", "invalid_image")]).await;
            assert_nothing_changed(&app, &media, &user, &before, case).await;
        }
    }

    async fn decompression_bombs_are_refused_from_their_headers(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "bomb_user").await;
        let mut huge_gif = animated_gif(&[picture(1, 1, |_, _| RED)]);
        huge_gif[6..10].copy_from_slice(&[0xff; 4]);
        let cases: [(&str, Vec<u8>, &str); 4] = [
            ("a 20000×20000 PNG", png_bomb(20_000, 20_000), "20000×20000"),
            ("a 10000×5000 PNG (too many pixels)", png_bomb(10_000, 5_000), "10000×5000"),
            ("a 1×1 GIF claiming 65535×65535", huge_gif, "65535×65535"),
            (
                "a JPEG claiming 60000×60000",
                jpeg_claiming(jpeg(&red_middle()), 60_000, 60_000),
                "60000×60000",
            ),
        ];
        for (case, bytes, dimensions) in cases {
            let started = Instant::now();
            let response = upload(&app, &user, "avatar", bytes).await;
            let elapsed = started.elapsed();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            let problem = assert_invalid(response, &[("avatar", "image_too_large")]).await;
            assert!(elapsed < Duration::from_secs(1), "{case}: took {elapsed:?}");
            let message = problem["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(dimensions), "{case}: {message}");
            assert_nothing_changed(&app, &media, &user, &before, case).await;
        }
    }

    async fn the_form_must_carry_the_named_file_field(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "field_user").await;
        for field in ["picture", "cover", "Avatar"] {
            let response = upload_as(
                &app,
                "/v1/users/me/avatar",
                Some(&user.token),
                field,
                jpeg(&red_middle()),
                "a.jpg",
                "image/jpeg",
            )
            .await;
            let problem = assert_invalid(response, &[("avatar", "required")]).await;
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("avatar"), "{problem}");
            assert_nothing_changed(&app, &media, &user, &before, field).await;
        }
        let response = upload_as(
            &app,
            "/v1/users/me/cover",
            Some(&user.token),
            "avatar",
            jpeg(&red_middle()),
            "a.jpg",
            "image/jpeg",
        )
        .await;
        assert_invalid(response, &[("cover", "required")]).await;
        assert_nothing_changed(&app, &media, &user, &before, "avatar field sent to /cover").await;
    }

    async fn the_body_must_be_multipart(app, media) {
        let (user, before) = user_with_avatar(&app, &media, "body_user").await;
        let cases: [(&str, Option<&str>, Vec<u8>); 3] = [
            ("JSON", Some("application/json"), br#"{"avatar": "https://example.com/me.jpg"}"#.to_vec()),
            ("no content type", None, jpeg(&red_middle())),
            ("a bare JPEG", Some("image/jpeg"), jpeg(&red_middle())),
        ];
        for (case, content_type, body) in cases {
            let response = post_raw(&app, &user, content_type, body).await;
            assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{case}");
            assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
            assert_nothing_changed(&app, &media, &user, &before, case).await;
        }
        // The right media type, but a form that cannot be read: 400.
        let mut cut_off =
            b"--cut\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.jpg\"\r\n\r\n".to_vec();
        cut_off.extend(jpeg(&red_middle()));
        let cases: [(&str, &str, Vec<u8>); 2] = [
            ("a form cut off in its file part", "multipart/form-data; boundary=cut", cut_off),
            ("multipart without a boundary", "multipart/form-data", b"--x\r\n\r\n--x--\r\n".to_vec()),
        ];
        for (case, content_type, body) in cases {
            let response = post_raw(&app, &user, Some(content_type), body).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
            assert_problem(response, StatusCode::BAD_REQUEST, "malformed_multipart").await;
            assert_nothing_changed(&app, &media, &user, &before, case).await;
        }
    }
}
