//! Default images, `GET /v1/users/{user}/avatar|cover` redirects, `/media/{key}`
//! and what happens to stored files when images are replaced or removed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::helpers::{TestApp, TestUser, assert_problem, assert_unauthenticated, header};
use crate::support::image_helpers::{
    BLUE, GREEN, RED, YELLOW, assert_colour, assert_uploaded, fetch, fetch_image, jpeg, me, picture,
    quadrants, raw_http, red_middle, redirect, rendition_url, upload_ok,
};
use crate::support::profile_helpers::profile_ok;

/// The file name of the stored object behind `url`.
fn key_of(url: &str) -> String {
    url.rsplit('/').next().expect("a key").to_owned()
}

/// The sorted keys of `user`'s `kind` renditions for the requested `widths`.
async fn rendition_keys(app: &TestApp, user: i64, kind: &str, widths: &[u32]) -> Vec<String> {
    let mut keys = Vec::new();
    for width in widths {
        keys.push(key_of(&rendition_url(app, user, kind, *width).await));
    }
    keys.sort();
    keys.dedup();
    keys
}

async fn delete_image(app: &TestApp, user: &TestUser, kind: &str) -> Value {
    let path = format!("/v1/users/me/{kind}");
    profile_ok(app.request(Method::DELETE, &path, Some(&user.token)).send().await.expect("sent")).await
}

fn default_images(app: &TestApp) -> (Value, Value) {
    (
        json!({"url": app.url("/media/default/avatar.png"), "width": 200, "height": 200, "is_default": true, "alt": null}),
        json!({"url": app.url("/media/default/cover.png"), "width": 960, "height": 320, "is_default": true, "alt": null}),
    )
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

with_media_on_both_databases! {
    async fn new_users_show_the_shipped_default_images(app, media) {
        let user = app.register("default_user").await;
        let profile = me(&app, &user).await;
        let (avatar, cover) = default_images(&app);
        assert_eq!(profile["avatar_image"], avatar);
        assert_eq!(profile["cover_image"], cover);

        for (kind, image, size) in [("avatar", &avatar, (200, 200)), ("cover", &cover, (960, 320))] {
            let url = image["url"].as_str().unwrap();
            assert_eq!(redirect(&app, &format!("/v1/users/{}/{kind}", user.id), None).await, url);
            let response = app.client.get(url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(header(&response, "content-type").as_deref(), Some("image/png"));
            assert_eq!(header(&response, "cache-control").as_deref(), Some(IMMUTABLE));
            assert_eq!(header(&response, "x-content-type-options").as_deref(), Some("nosniff"));
            let etag = header(&response, "etag").expect("default images carry an ETag");
            let decoded = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
            assert_eq!((decoded.width(), decoded.height()), size, "{kind}");
            let again = app.client.get(url).header("if-none-match", &etag).send().await.unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{kind}");
        }
        assert!(media.files().is_empty(), "defaults are not stored per user: {:?}", media.files());
    }

    async fn the_image_redirect_needs_no_token_except_for_me(app, _media) {
        let user = app.register("redirect_user").await;
        let profile = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let primary = profile["avatar_image"]["url"].as_str().unwrap().to_owned();

        for path in [
            format!("/v1/users/{}/avatar", user.id),
            "/v1/users/@redirect_user/avatar".to_owned(),
            "/v1/users/@REDIRECT_USER/avatar".to_owned(),
        ] {
            let response = app.get(&path, None).await;
            assert_eq!(response.status(), StatusCode::FOUND, "{path}");
            assert_eq!(header(&response, "location").as_deref(), Some(primary.as_str()), "{path}");
            assert!(response.bytes().await.unwrap().is_empty(), "{path}: no body");
        }
        assert_eq!(redirect(&app, "/v1/users/me/avatar", Some(&user.token)).await, primary);
        let viewer = app.register("viewer_user").await;
        let seen = app
            .get(&format!("/v1/users/{}", user.id), Some(&viewer.token))
            .await
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(seen["avatar_image"], profile["avatar_image"], "others see the same image");
        assert_unauthenticated(app.get("/v1/users/me/avatar", None).await).await;
        assert_unauthenticated(app.get("/v1/users/me/cover", None).await).await;
        for path in ["/v1/users/999999/avatar", "/v1/users/@nobody_here/avatar", "/v1/users/999999/cover"] {
            assert_problem(app.get(path, None).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        // The cover was never uploaded: its redirect goes to the default.
        let cover = redirect(&app, &format!("/v1/users/{}/cover?w=1920", user.id), None).await;
        assert_eq!(cover, app.url("/media/default/cover.png?w=1920"));
    }

    async fn w_picks_the_nearest_stored_size_and_the_query_is_passed_along(app, _media) {
        let big = app.register("big_avatar").await;
        upload_ok(&app, &big, "avatar", jpeg(&quadrants(500, 500))).await;
        let mut by_width = std::collections::HashMap::new();
        for width in [48, 96, 200, 400] {
            let url = rendition_url(&app, big.id, "avatar", width).await;
            let decoded = fetch_image(&app, &url, "image/jpeg").await;
            assert_eq!(decoded.dimensions(), (width, width), "?w={width}");
            assert_colour(&decoded, width / 4, width / 4, RED, "top-left of every size");
            by_width.insert(width, url);
        }
        assert_eq!(
            by_width.values().collect::<std::collections::HashSet<_>>().len(),
            4,
            "four distinct files"
        );
        // (asked, served): ties go to the wider size.
        for (asked, served) in
            [(0, 48), (60, 48), (72, 96), (148, 200), (150, 200), (299, 200), (300, 400), (5000, 400)]
        {
            assert_eq!(rendition_url(&app, big.id, "avatar", asked).await, by_width[&served], "?w={asked}");
        }
        let path = format!("/v1/users/{}/avatar", big.id);
        let primary = me(&app, &big).await["avatar_image"]["url"].as_str().unwrap().to_owned();
        assert_eq!(primary, by_width[&200]);
        for (query, target) in [
            ("w=96&foo=bar", &by_width[&96]),
            ("foo=bar&w=48", &by_width[&48]),
            ("w=abc", &primary),
            ("size=large&x=%2F", &primary),
        ] {
            assert_eq!(
                redirect(&app, &format!("{path}?{query}"), None).await,
                format!("{target}?{query}"),
                "{query}"
            );
        }

        // A source smaller than 400 px has no hi-dpi size: ?w=400 gets 200.
        let small = app.register("small_avatar").await;
        upload_ok(&app, &small, "avatar", jpeg(&quadrants(300, 300))).await;
        let url = rendition_url(&app, small.id, "avatar", 400).await;
        assert_eq!(fetch_image(&app, &url, "image/jpeg").await.dimensions(), (200, 200));
        assert_eq!(rendition_keys(&app, small.id, "avatar", &[0, 48, 96, 200, 400, 9999]).await.len(), 3);
    }

    async fn media_is_served_with_long_lived_cache_headers(app, _media) {
        let user = app.register("cache_user").await;
        let profile = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let url = profile["avatar_image"]["url"].as_str().unwrap().to_owned();
        let hash = key_of(&url).trim_end_matches(".jpg").to_owned();

        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "content-type").as_deref(), Some("image/jpeg"));
        assert_eq!(header(&response, "cache-control").as_deref(), Some(IMMUTABLE));
        assert_eq!(header(&response, "x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(header(&response, "etag"), Some(format!("\"{hash}\"")));
        let bytes = response.bytes().await.unwrap();
        assert_eq!(image::load_from_memory(&bytes).unwrap().to_rgba8().dimensions(), (200, 200));

        let not_modified =
            app.client.get(&url).header("if-none-match", format!("\"{hash}\"")).send().await.unwrap();
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&not_modified, "etag"), Some(format!("\"{hash}\"")));
        assert_eq!(header(&not_modified, "cache-control").as_deref(), Some(IMMUTABLE));
        assert!(not_modified.bytes().await.unwrap().is_empty());

        let other_tag =
            app.client.get(&url).header("if-none-match", "\"something-else\"").send().await.unwrap();
        assert_eq!(other_tag.status(), StatusCode::OK);
        assert_eq!(other_tag.bytes().await.unwrap(), bytes);
        // Serving needs no token, and a token changes nothing.
        let with_token = app.client.get(&url).bearer_auth(&user.token).send().await.unwrap();
        assert_eq!(with_token.bytes().await.unwrap(), bytes);
    }

    async fn anything_that_is_not_a_stored_object_is_404(app, _media) {
        let user = app.register("probe_user").await;
        let profile = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let key = key_of(profile["avatar_image"]["url"].as_str().unwrap());
        let hash = key.trim_end_matches(".jpg");
        let paths = [
            format!("/media/{}.jpg", "0123456789abcdef".repeat(4)),
            format!("/media/{}.jpg", hash.to_uppercase()),
            format!("/media/{hash}.png"),
            format!("/media/{hash}.gif"),
            format!("/media/{hash}"),
            format!("/media/{}/{key}", &hash[..2]),
            format!("/media/{key}/x"),
            "/media/..%2f..%2fetc%2fpasswd".to_owned(),
            "/media/..%2F..%2F..%2FCargo.toml".to_owned(),
            "/media/../Cargo.toml".to_owned(),
            "/media/../../Cargo.toml".to_owned(),
            "/media/%2e%2e/x".to_owned(),
            "/media/%2e%2e/%2e%2e/Cargo.toml".to_owned(),
            "/media/%2fetc%2fpasswd".to_owned(),
            "/media/".to_owned(),
            "/media/default/avatar.jpg".to_owned(),
        ];
        for path in paths {
            let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let (status, response) = raw_http(&app, request).await;
            assert_eq!(status, 404, "{path}:\n{response}");
            let lower = response.to_lowercase();
            assert!(lower.contains("content-type: application/problem+json"), "{path}:\n{response}");
            assert!(!response.contains("[package]") && !response.contains("root:"), "{path} leaks a file");
        }
        // The real object is still there.
        assert_eq!(fetch(&app, &app.url(&format!("/media/{key}"))).await.status, StatusCode::OK);
    }

    async fn removing_an_image_restores_the_default_and_deletes_its_files(app, media) {
        let user = app.register("remove_user").await;
        upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let cover = upload_ok(&app, &user, "cover", jpeg(&picture(2000, 1000, |_, _| GREEN))).await;
        let avatar_keys = rendition_keys(&app, user.id, "avatar", &[48, 96, 200]).await;
        let cover_keys = rendition_keys(&app, user.id, "cover", &[480, 960, 1920]).await;
        assert_eq!((avatar_keys.len(), cover_keys.len()), (3, 3));
        let mut all: Vec<String> = avatar_keys.iter().chain(&cover_keys).cloned().collect();
        all.sort();
        assert_eq!(media.files(), all);

        let removed = delete_image(&app, &user, "avatar").await;
        let (default_avatar, default_cover) = default_images(&app);
        assert_eq!(removed["avatar_image"], default_avatar);
        assert_eq!(removed["cover_image"], cover["cover_image"], "the cover stays");
        assert_eq!(me(&app, &user).await["avatar_image"], default_avatar);
        assert_eq!(media.files(), cover_keys, "the avatar's files are gone, the cover's stay");
        for key in &avatar_keys {
            assert_eq!(
                fetch(&app, &app.url(&format!("/media/{key}"))).await.status,
                StatusCode::NOT_FOUND,
                "{key}"
            );
        }
        assert_eq!(
            redirect(&app, &format!("/v1/users/{}/avatar?w=96", user.id), None).await,
            app.url("/media/default/avatar.png?w=96")
        );

        let removed = delete_image(&app, &user, "cover").await;
        assert_eq!(removed["cover_image"], default_cover);
        assert!(media.files().is_empty(), "{:?}", media.files());
        // Removing again is harmless.
        let again = delete_image(&app, &user, "cover").await;
        assert_eq!(again["cover_image"], default_cover);
        assert_unauthenticated(
            app.request(Method::DELETE, "/v1/users/me/avatar", None).send().await.unwrap(),
        )
        .await;
    }

    async fn replacing_an_image_deletes_the_previous_files(app, media) {
        let user = app.register("replace_user").await;
        let first = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let first_keys = rendition_keys(&app, user.id, "avatar", &[48, 96, 200]).await;
        assert_eq!(media.files(), first_keys);

        let second = upload_ok(&app, &user, "avatar", jpeg(&quadrants(300, 300))).await;
        assert_ne!(second["avatar_image"]["url"], first["avatar_image"]["url"]);
        let second_keys = rendition_keys(&app, user.id, "avatar", &[48, 96, 200]).await;
        assert_eq!(media.files(), second_keys, "only the new files remain");
        for key in &first_keys {
            assert_eq!(
                fetch(&app, &app.url(&format!("/media/{key}"))).await.status,
                StatusCode::NOT_FOUND,
                "{key}"
            );
        }
        for key in &second_keys {
            assert_eq!(fetch(&app, &app.url(&format!("/media/{key}"))).await.status, StatusCode::OK, "{key}");
        }
    }

    async fn uploading_the_same_picture_again_replaces_its_files(app, media) {
        // Each upload's files are its own, so an upload that replaces another
        // deletes exactly what it replaced, never the files of a concurrent
        // upload of the same picture (the soak test caught that race).
        let user = app.register("again_user").await;
        let bytes = jpeg(&red_middle());
        let first = upload_ok(&app, &user, "avatar", bytes.clone()).await;
        let keys = media.files();
        assert_eq!(keys.len(), 3);

        let second = upload_ok(&app, &user, "avatar", bytes).await;
        assert_ne!(second["avatar_image"]["url"], first["avatar_image"]["url"], "files of its own");
        assert_eq!(second["version"], first["version"].as_i64().unwrap() + 1);
        let now = media.files();
        assert_eq!(now.len(), 3, "the replaced files are deleted, nothing duplicated");
        assert!(now.iter().all(|key| !keys.contains(key)), "{now:?} {keys:?}");
        let url = second["avatar_image"]["url"].as_str().unwrap();
        assert_colour(&fetch_image(&app, url, "image/jpeg").await, 100, 100, RED, "the new files are served");
        let old = app.client.get(first["avatar_image"]["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(old.status(), reqwest::StatusCode::NOT_FOUND, "the replaced files are gone");
    }

    async fn users_sharing_a_picture_keep_it_when_the_others_change_theirs(app, media) {
        let (alice, bob, carol) =
            (app.register("alice_pic").await, app.register("bob_pic").await, app.register("carol_pic").await);
        let bytes = jpeg(&red_middle());
        let bobs = upload_ok(&app, &bob, "avatar", bytes.clone()).await;
        let bobs_files = media.files();
        assert_eq!(bobs_files.len(), 3);
        for other in [&alice, &carol] {
            let theirs = upload_ok(&app, other, "avatar", bytes.clone()).await;
            assert_ne!(theirs["avatar_image"]["url"], bobs["avatar_image"]["url"], "keys are never shared between users");
        }
        assert_eq!(media.files().len(), 9, "three renditions per user");

        // Alice replaces the same picture, Carol removes it; Bob still shows it.
        upload_ok(&app, &alice, "avatar", jpeg(&quadrants(300, 300))).await;
        delete_image(&app, &carol, "avatar").await;
        assert_eq!(me(&app, &bob).await["avatar_image"], bobs["avatar_image"]);
        for width in [48, 96, 200] {
            let url = rendition_url(&app, bob.id, "avatar", width).await;
            assert_eq!(
                fetch(&app, &url).await.status,
                StatusCode::OK,
                "bob's {width} px avatar still serves"
            );
        }
        let mut expected: Vec<String> = bobs_files
            .into_iter()
            .chain(rendition_keys(&app, alice.id, "avatar", &[48, 96, 200]).await)
            .collect();
        expected.sort();
        assert_eq!(media.files(), expected, "bob's and alice's files, nothing else");
    }

    async fn concurrent_uploads_leave_exactly_the_last_committed_files(app, media) {
        let user = app.register("race_user").await;
        let version = me(&app, &user).await["version"].as_i64().unwrap();
        let uploads = [RED, GREEN, BLUE, YELLOW].map(|colour| {
            let part =
                reqwest::multipart::Part::bytes(jpeg(&picture(300, 300, |_, _| colour))).file_name("a.jpg");
            let form = reqwest::multipart::Form::new().part("avatar", part);
            let request = app.request(Method::POST, "/v1/users/me/avatar", Some(&user.token)).multipart(form);
            tokio::spawn(async move { request.send().await.expect("sent").status() })
        });
        for upload in uploads {
            assert_eq!(upload.await.unwrap(), StatusCode::OK);
        }
        let profile = me(&app, &user).await;
        assert_eq!(profile["version"], version + 4, "every upload committed once");
        let keys = rendition_keys(&app, user.id, "avatar", &[48, 96, 200]).await;
        assert_eq!(media.files(), keys, "only the shown image's files remain");
        let url = profile["avatar_image"]["url"].as_str().unwrap();
        assert_eq!(fetch_image(&app, url, "image/jpeg").await.dimensions(), (200, 200));
    }

    async fn concurrent_uploads_of_the_same_pictures_never_lose_the_shown_files(app, media) {
        // Two pictures uploaded alternately, all at once: whichever commits
        // last, its files must exist (an upload replacing an earlier one of
        // the same picture used to delete files the profile then showed).
        let user = app.register("same_race").await;
        let (red, blue) = (jpeg(&picture(300, 300, |_, _| RED)), jpeg(&picture(300, 300, |_, _| BLUE)));
        for _round in 0..3 {
            let uploads: Vec<_> = (0..6)
                .map(|i| {
                    let bytes = if i % 2 == 0 { red.clone() } else { blue.clone() };
                    let form = reqwest::multipart::Form::new()
                        .part("avatar", reqwest::multipart::Part::bytes(bytes).file_name("a.jpg"));
                    let request = app.request(Method::POST, "/v1/users/me/avatar", Some(&user.token)).multipart(form);
                    tokio::spawn(async move { request.send().await.expect("sent").status() })
                })
                .collect();
            for upload in uploads {
                assert_eq!(upload.await.unwrap(), StatusCode::OK);
            }
            let keys = rendition_keys(&app, user.id, "avatar", &[48, 96, 200]).await;
            assert_eq!(media.files(), keys, "exactly the shown image's files remain");
            let url = me(&app, &user).await["avatar_image"]["url"].as_str().unwrap().to_owned();
            assert_eq!(fetch_image(&app, &url, "image/jpeg").await.dimensions(), (200, 200));
        }
    }

    async fn public_base_url_points_image_urls_at_the_cdn(app, _media, |s| {
        s.media.public_base_url = "https://cdn.example.com/profiles/".into();
    }) {
        let user = app.register("cdn_user").await;
        let profile = me(&app, &user).await;
        assert_eq!(profile["avatar_image"]["url"], "https://cdn.example.com/profiles/default/avatar.png");
        assert_eq!(profile["cover_image"]["url"], "https://cdn.example.com/profiles/default/cover.png");
        assert_eq!(
            redirect(&app, &format!("/v1/users/{}/cover", user.id), None).await,
            "https://cdn.example.com/profiles/default/cover.png"
        );

        let profile = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        let url = profile["avatar_image"]["url"].as_str().unwrap();
        let key = url.strip_prefix("https://cdn.example.com/profiles/").unwrap_or_else(|| panic!("{url}"));
        assert_eq!(
            profile["avatar_image"],
            json!({"url": url, "width": 200, "height": 200, "is_default": false, "alt": null})
        );
        let location = redirect(&app, &format!("/v1/users/{}/avatar?w=96", user.id), None).await;
        assert!(
            location.starts_with("https://cdn.example.com/profiles/") && location.ends_with(".jpg?w=96"),
            "{location}"
        );
        // The service stays the CDN's origin: the same key is served at /media/.
        let local = app.url(&format!("/media/{key}"));
        assert_uploaded(
            &app,
            &json!({"url": local, "width": 200, "height": 200, "is_default": false, "alt": null}),
            200,
            200,
            "jpg",
        );
        assert_eq!(fetch_image(&app, &local, "image/jpeg").await.dimensions(), (200, 200));
    }
}
