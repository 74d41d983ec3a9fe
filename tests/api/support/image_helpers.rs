//! Images made in the tests (no binary fixtures), hand-built hostile files,
//! and helpers to upload, fetch and inspect stored images.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{Delay, DynamicImage, Frame, Rgba, RgbaImage};
use profile_server::Settings;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{Backend, TestApp, TestUser, header, try_spawn_app};
use crate::support::profile_helpers::{get_profile, profile_ok};

pub const RED: Rgba<u8> = Rgba([220, 20, 20, 255]);
pub const BLUE: Rgba<u8> = Rgba([20, 20, 220, 255]);
pub const GREEN: Rgba<u8> = Rgba([20, 200, 20, 255]);
pub const YELLOW: Rgba<u8> = Rgba([230, 230, 20, 255]);
pub const CLEAR: Rgba<u8> = Rgba([0, 0, 0, 0]);

/// The folder the service keeps image files in for one test.
pub struct MediaDir(tempfile::TempDir);

impl MediaDir {
    pub fn path(&self) -> PathBuf {
        self.0.path().join("media")
    }

    /// Names of every file under the media folder (recursively), sorted.
    pub fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.path(), &mut files);
        files.sort();
        files
    }
}

/// Starts the service with its media in a fresh folder, then applies `tweak`.
pub async fn spawn_with_media(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
) -> Option<(TestApp, MediaDir)> {
    let media = MediaDir(tempfile::tempdir().expect("temp dir"));
    let dir = media.path();
    let app = try_spawn_app(backend, move |settings| {
        settings.media.dir = dir;
        tweak(settings);
    })
    .await?;
    Some((app, media))
}

/// Like `both_databases!`, each test also getting the media folder:
/// `async fn name(app, media [, tweak]) { … }`.
macro_rules! with_media_on_both_databases {
    ($(async fn $name:ident($app:ident, $media:ident $(, $tweak:expr)?) $body:block)*) => {
        on_both_databases!(
            $crate::support::image_helpers::spawn_with_media;
            $(async fn $name(($app, $media) $(, $tweak)?) $body)*
        );
    };
}

// ---------------------------------------------------------------- making images

/// A `width`×`height` image whose pixel at (x, y) is `paint(x, y)`.
pub fn picture(width: u32, height: u32, paint: impl Fn(u32, u32) -> Rgba<u8>) -> RgbaImage {
    RgbaImage::from_fn(width, height, paint)
}

/// 300×100, the middle third red and the sides blue: its center crop is all red.
pub fn red_middle() -> RgbaImage {
    picture(300, 100, |x, _| if (100..200).contains(&x) { RED } else { BLUE })
}

/// Four quadrants: red top-left, blue top-right, green bottom-left, yellow bottom-right.
pub fn quadrants(width: u32, height: u32) -> RgbaImage {
    picture(width, height, |x, y| match (x < width / 2, y < height / 2) {
        (true, true) => RED,
        (false, true) => BLUE,
        (true, false) => GREEN,
        (false, false) => YELLOW,
    })
}

pub fn jpeg(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    DynamicImage::ImageRgba8(image.clone())
        .to_rgb8()
        .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 95))
        .expect("JPEG encodes");
    bytes
}

pub fn png(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_with_encoder(PngEncoder::new(&mut bytes)).expect("PNG encodes");
    bytes
}

pub fn webp_lossless(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_with_encoder(WebPEncoder::new_lossless(&mut bytes)).expect("WebP encodes");
    bytes
}

/// An animated GIF of `frames`, looping forever.
pub fn animated_gif(frames: &[RgbaImage]) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        encoder.set_repeat(Repeat::Infinite).expect("GIF repeat");
        for frame in frames {
            let delay = Delay::from_numer_denom_ms(100, 1);
            encoder.encode_frame(Frame::from_parts(frame.clone(), 0, 0, delay)).expect("GIF frame encodes");
        }
    }
    bytes
}

// ---------------------------------------------------------------- talking to the service

/// `POST path` as `multipart/form-data` with one file part.
pub async fn upload_as(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    field: &str,
    bytes: Vec<u8>,
    file_name: &str,
    mime: &str,
) -> Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str(mime)
        .expect("valid mime");
    let form = reqwest::multipart::Form::new().part(field.to_owned(), part);
    app.request(Method::POST, path, token).multipart(form).send().await.expect("request sent")
}

/// Uploads `bytes` as `user`'s avatar (`kind` = "avatar" or "cover"), as a JPEG-named file.
pub async fn upload(app: &TestApp, user: &TestUser, kind: &str, bytes: Vec<u8>) -> Response {
    upload_as(
        app,
        &format!("/v1/users/me/{kind}"),
        Some(&user.token),
        kind,
        bytes,
        "picture.jpg",
        "image/jpeg",
    )
    .await
}

/// Uploads and asserts a 200 profile response (JSON, `ETag` = version); returns the profile.
pub async fn upload_ok(app: &TestApp, user: &TestUser, kind: &str, bytes: Vec<u8>) -> Value {
    profile_ok(upload(app, user, kind, bytes).await).await
}

/// `user`'s own profile.
pub async fn me(app: &TestApp, user: &TestUser) -> Value {
    get_profile(app, "/v1/users/me", &user.token).await
}

/// Asserts `image` is an uploaded image of `width`×`height` without alt
/// text (as the native API shows it) with a content-addressed `/media/` URL
/// ending in `extension`; returns the URL.
pub fn assert_uploaded(app: &TestApp, image: &Value, width: u32, height: u32, extension: &str) -> String {
    let url = image["url"].as_str().unwrap_or_else(|| panic!("image url: {image}")).to_owned();
    assert_eq!(
        image,
        &json!({"url": url, "width": width, "height": height, "is_default": false, "alt": null})
    );
    let key = url.strip_prefix(&format!("{}/media/", app.address)).unwrap_or_else(|| panic!("{url}"));
    let (hash, ext) = key.split_once('.').unwrap_or_else(|| panic!("{url}"));
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{url}"
    );
    assert_eq!(ext, extension, "{url}");
    url
}

/// A fetched image: status, content type and bytes.
pub struct Fetched {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Fetched {
    pub fn decode(&self) -> RgbaImage {
        image::load_from_memory(&self.bytes).expect("served bytes decode").to_rgba8()
    }
}

pub async fn fetch(app: &TestApp, url: &str) -> Fetched {
    let response = app.client.get(url).send().await.expect("request sent");
    let status = response.status();
    let content_type = header(&response, "content-type");
    let bytes = response.bytes().await.expect("body").to_vec();
    Fetched { status, content_type, bytes }
}

/// Fetches `url`, asserting a 200 of `content_type`; returns the decoded image.
pub async fn fetch_image(app: &TestApp, url: &str, content_type: &str) -> RgbaImage {
    let fetched = fetch(app, url).await;
    assert_eq!(fetched.status, StatusCode::OK, "{url}");
    assert_eq!(fetched.content_type.as_deref(), Some(content_type), "{url}");
    fetched.decode()
}

/// The `Location` of `GET path` (asserting a 302).
pub async fn redirect(app: &TestApp, path: &str, token: Option<&str>) -> String {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{path}");
    header(&response, "location").unwrap_or_else(|| panic!("{path}: no Location"))
}

/// Asserts the pixel at (x, y) is close to `expected` (lossy encodings drift a little).
pub fn assert_colour(image: &RgbaImage, x: u32, y: u32, expected: Rgba<u8>, what: &str) {
    let actual = image.get_pixel(x, y);
    let close = actual.0.iter().zip(expected.0).all(|(a, e)| a.abs_diff(e) <= 40);
    assert!(close, "{what}: pixel ({x}, {y}) is {:?}, expected about {:?}", actual.0, expected.0);
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Sends `request` as-is over TCP (no URL normalisation) and returns the
/// status and the whole response text. The request should say `Connection: close`.
pub async fn raw_http(app: &TestApp, request: String) -> (u16, String) {
    let address = app.address.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        stream.write_all(request.as_bytes()).expect("write request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read response");
        let text = String::from_utf8_lossy(&response).into_owned();
        (status_of(&text), text)
    })
    .await
    .expect("raw request task")
}

/// The status code of an HTTP/1.1 response text, 0 when there is none.
pub fn status_of(response: &str) -> u16 {
    response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

/// The URL of the stored rendition of `user`'s `kind` image nearest `width` px
/// (the redirect's `Location` without its query string).
pub async fn rendition_url(app: &TestApp, user: i64, kind: &str, width: u32) -> String {
    let location = redirect(app, &format!("/v1/users/{user}/{kind}?w={width}"), None).await;
    let suffix = format!("?w={width}");
    location.strip_suffix(&suffix).unwrap_or_else(|| panic!("{location} passes the query along")).to_owned()
}
