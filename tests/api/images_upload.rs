//! `POST /v1/users/{user}/avatar` and `/cover`: accepted formats, center
//! cropping, sizes, EXIF orientation, metadata stripping, who may upload.

use image::{Rgba, RgbaImage};
use reqwest::StatusCode;
use serde_json::Value;

use crate::image_files::{png_chunk, png_with_exif, with_exif, with_png_chunk};
use crate::support::helpers::{TestApp, TestUser, assert_problem};
use crate::support::image_helpers::{
    BLUE, CLEAR, GREEN, RED, YELLOW, animated_gif, assert_colour, assert_uploaded, contains, fetch,
    fetch_image, jpeg, me, picture, png, quadrants, red_middle, rendition_url, upload, upload_as, upload_ok,
    webp_lossless,
};
use crate::support::profile_helpers::{assert_invalid, profile_ok, timestamp};

/// Uploads `bytes` as `user`'s avatar and asserts the 200×200 JPEG avatar
/// is the red center of [`red_middle`].
async fn assert_red_avatar(app: &TestApp, user: &TestUser, bytes: Vec<u8>) {
    let profile = upload_ok(app, user, "avatar", bytes).await;
    assert_eq!(profile["id"], user.id);
    let url = assert_uploaded(app, &profile["avatar_image"], 200, 200, "jpg");
    assert_eq!(me(app, user).await["avatar_image"], profile["avatar_image"], "stored");
    let avatar = fetch_image(app, &url, "image/jpeg").await;
    assert_eq!(avatar.dimensions(), (200, 200));
    for (x, y) in [(8, 8), (100, 100), (191, 8), (8, 191), (191, 191), (100, 10), (100, 190)] {
        assert_colour(&avatar, x, y, RED, "the center third only");
    }
}

/// What was uploaded, the expected quadrant colours, the square sizes stored.
type OrientationCase = (&'static str, Vec<u8>, [Rgba<u8>; 4], &'static [u32]);

/// Pixel colours of an image split in four: top-left, top-right, bottom-left, bottom-right.
fn assert_quadrants(image: &RgbaImage, expected: [Rgba<u8>; 4], what: &str) {
    let (w, h) = image.dimensions();
    let spots = [(w / 4, h / 4), (3 * w / 4, h / 4), (w / 4, 3 * h / 4), (3 * w / 4, 3 * h / 4)];
    for ((x, y), colour) in spots.into_iter().zip(expected) {
        assert_colour(image, x, y, colour, what);
    }
}

with_media_on_both_databases! {
    async fn a_jpeg_avatar_is_center_cropped_to_200_px(app, _media) {
        let user = app.register("jpeg_user").await;
        assert_red_avatar(&app, &user, jpeg(&red_middle())).await;
    }

    // Nothing sent is silently dropped: an upload with another field beside
    // the image's (or the image's twice) names each other field, and changes
    // nothing.
    async fn an_upload_with_other_fields_names_each_and_changes_nothing(app, _media) {
        let user = app.register("extra_fields").await;
        let image = || reqwest::multipart::Part::bytes(jpeg(&red_middle())).file_name("a.jpg");
        let form = reqwest::multipart::Form::new()
            .text("caption", "hello")
            .part("avatar", image())
            .part("avatar", image());
        let response =
            app.request(reqwest::Method::POST, "/v1/users/me/avatar", Some(&user.token)).multipart(form).send().await.unwrap();
        assert_invalid(response, &[("caption", "unknown_field"), ("avatar", "unknown_field")]).await;
        let profile = profile_ok(app.get("/v1/users/me", Some(&user.token)).await).await;
        assert_eq!(profile["avatar_image"]["is_default"], true, "{profile}");
    }

    async fn a_png_avatar_is_center_cropped_to_200_px(app, _media) {
        let user = app.register("png_user").await;
        assert_red_avatar(&app, &user, png(&red_middle())).await;
    }

    async fn an_animated_gif_avatar_uses_its_first_frame(app, _media) {
        let user = app.register("gif_user").await;
        let second = picture(300, 100, |_, _| GREEN);
        assert_red_avatar(&app, &user, animated_gif(&[red_middle(), second.clone(), second])).await;
    }

    async fn a_webp_avatar_is_center_cropped_to_200_px(app, _media) {
        let user = app.register("webp_user").await;
        assert_red_avatar(&app, &user, webp_lossless(&red_middle())).await;
    }

    async fn a_transparent_png_avatar_stays_a_png_with_its_transparency(app, _media) {
        let user = app.register("clear_user").await;
        let source = picture(300, 300, |x, _| if x < 150 { CLEAR } else { RED });
        let profile = upload_ok(&app, &user, "avatar", png(&source)).await;
        let url = assert_uploaded(&app, &profile["avatar_image"], 200, 200, "png");
        let avatar = fetch_image(&app, &url, "image/png").await;
        assert_eq!(avatar.dimensions(), (200, 200));
        assert_eq!(avatar.get_pixel(20, 100).0[3], 0, "left half stays transparent");
        assert_colour(&avatar, 180, 100, RED, "right half stays opaque red");
    }

    async fn the_declared_type_and_file_name_are_ignored(app, _media) {
        let user = app.register("liar_user").await;
        let response = upload_as(
            &app,
            "/v1/users/me/avatar",
            Some(&user.token),
            "avatar",
            png(&red_middle()),
            "notes.txt",
            "text/plain",
        )
        .await;
        let profile = profile_ok(response).await;
        let url = assert_uploaded(&app, &profile["avatar_image"], 200, 200, "jpg");
        assert_colour(&fetch_image(&app, &url, "image/jpeg").await, 100, 100, RED, "the PNG's center");
    }

    async fn exif_orientation_turns_the_pixels(app, _media) {
        let user = app.register("exif_user").await;
        let square = quadrants(400, 400);
        // 400×200: left half red, right half blue.
        let halves = picture(400, 200, |x, _| if x < 200 { RED } else { BLUE });
        let cases: [OrientationCase; 7] = [
            ("JPEG, no EXIF", jpeg(&square), [RED, BLUE, GREEN, YELLOW], &[48, 96, 200, 400]),
            (
                "JPEG, orientation 3",
                with_exif(&jpeg(&square), 3, "x"),
                [YELLOW, GREEN, BLUE, RED],
                &[48, 96, 200, 400],
            ),
            (
                "JPEG, orientation 6",
                with_exif(&jpeg(&square), 6, "x"),
                [GREEN, RED, YELLOW, BLUE],
                &[48, 96, 200, 400],
            ),
            (
                "JPEG, orientation 8",
                with_exif(&jpeg(&square), 8, "x"),
                [BLUE, YELLOW, RED, GREEN],
                &[48, 96, 200, 400],
            ),
            (
                "PNG eXIf, orientation 6",
                png_with_exif(&png(&square), 6, "x"),
                [GREEN, RED, YELLOW, BLUE],
                &[48, 96, 200, 400],
            ),
            // Turned first, then cropped: the crop of the 200×400 result is red above blue.
            (
                "400×200 JPEG, orientation 6",
                with_exif(&jpeg(&halves), 6, "x"),
                [RED, RED, BLUE, BLUE],
                &[48, 96, 200],
            ),
            (
                "400×200 JPEG, orientation 8",
                with_exif(&jpeg(&halves), 8, "x"),
                [BLUE, BLUE, RED, RED],
                &[48, 96, 200],
            ),
        ];
        for (case, bytes, expected, sides) in cases {
            let profile = upload_ok(&app, &user, "avatar", bytes).await;
            let primary = assert_uploaded(&app, &profile["avatar_image"], 200, 200, "jpg");
            assert_quadrants(&fetch_image(&app, &primary, "image/jpeg").await, expected, case);
            for side in sides {
                let url = rendition_url(&app, user.id, "avatar", *side).await;
                let fetched = fetch(&app, &url).await;
                assert_eq!(fetched.decode().dimensions(), (*side, *side), "{case}: ?w={side}");
                assert_quadrants(&fetched.decode(), expected, &format!("{case}, {side} px"));
                assert!(!contains(&fetched.bytes, b"Exif\0\0"), "{case}: {side} px carries no Exif segment");
            }
            // Nothing larger than the source was made.
            let widest = rendition_url(&app, user.id, "avatar", 10_000).await;
            assert_eq!(fetch(&app, &widest).await.decode().width(), *sides.last().unwrap(), "{case}");
        }
    }

    async fn metadata_is_stripped_from_every_stored_file(app, _media) {
        let user = app.register("private_user").await;
        let secret = b"secret-location-52.2297N-21.0122E";
        let secret_text = std::str::from_utf8(secret).unwrap();
        let tagged_jpeg = with_exif(&jpeg(&quadrants(400, 400)), 1, secret_text);
        assert!(contains(&tagged_jpeg, secret));
        upload_ok(&app, &user, "avatar", tagged_jpeg).await;
        for side in [48, 96, 200, 400] {
            let fetched = fetch(&app, &rendition_url(&app, user.id, "avatar", side).await).await;
            assert!(!contains(&fetched.bytes, b"Exif\0\0"), "{side} px: no Exif segment");
            assert!(!contains(&fetched.bytes, secret), "{side} px: no trace of the description");
        }

        let transparent = picture(300, 300, |x, _| if x < 150 { CLEAR } else { RED });
        let mut comment = b"Comment\0".to_vec();
        comment.extend_from_slice(secret);
        let tagged_png =
            with_png_chunk(&png_with_exif(&png(&transparent), 1, secret_text), &png_chunk(b"tEXt", &comment));
        upload_ok(&app, &user, "avatar", tagged_png).await;
        for side in [48, 96, 200] {
            let fetched = fetch(&app, &rendition_url(&app, user.id, "avatar", side).await).await;
            assert_eq!(fetched.content_type.as_deref(), Some("image/png"));
            for marker in [&b"tEXt"[..], b"eXIf", b"iTXt", b"zTXt", secret] {
                assert!(
                    !contains(&fetched.bytes, marker),
                    "{side} px PNG carries no {:?}",
                    String::from_utf8_lossy(marker)
                );
            }
        }
    }

    async fn a_cover_is_stored_960_px_wide_with_its_aspect_kept(app, _media) {
        let user = app.register("cover_user").await;
        // 2000×1000: top half red, bottom half blue.
        let source = picture(2000, 1000, |_, y| if y < 500 { RED } else { BLUE });
        let profile = upload_ok(&app, &user, "cover", jpeg(&source)).await;
        let url = assert_uploaded(&app, &profile["cover_image"], 960, 480, "jpg");
        assert_eq!(me(&app, &user).await["cover_image"], profile["cover_image"]);
        assert_eq!(profile["avatar_image"]["is_default"], true, "the avatar is untouched");
        let cover = fetch_image(&app, &url, "image/jpeg").await;
        assert_eq!(cover.dimensions(), (960, 480));
        assert_colour(&cover, 480, 100, RED, "top");
        assert_colour(&cover, 480, 380, BLUE, "bottom");
        for (asked, width, height) in [(480, 480, 240), (960, 960, 480), (1920, 1920, 960), (4000, 1920, 960)]
        {
            let fetched = fetch(&app, &rendition_url(&app, user.id, "cover", asked).await).await;
            assert_eq!(fetched.decode().dimensions(), (width, height), "?w={asked}");
        }

        // Exactly 960 wide is enough; nothing wider is made from it.
        let narrow = picture(960, 300, |_, _| GREEN);
        let profile = upload_ok(&app, &user, "cover", png(&narrow)).await;
        assert_uploaded(&app, &profile["cover_image"], 960, 300, "jpg");
        let widest = rendition_url(&app, user.id, "cover", 1920).await;
        assert_eq!(fetch(&app, &widest).await.decode().dimensions(), (960, 300));
    }

    async fn a_cover_narrower_than_960_px_is_refused(app, _media) {
        let user = app.register("narrow_user").await;
        let response = upload(&app, &user, "cover", jpeg(&picture(959, 2000, |_, _| RED))).await;
        let problem = assert_invalid(response, &[("cover", "too_narrow")]).await;
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("959"), "{message}");
        assert!(message.contains("960"), "{message}");
        assert_eq!(me(&app, &user).await["cover_image"]["is_default"], true);
    }

    async fn a_cover_is_turned_by_its_exif_orientation_before_the_width_check(app, _media) {
        let user = app.register("turned_user").await;
        // Stored 600×1000, shown 1000×600: wide enough.
        let tall = with_exif(&jpeg(&picture(600, 1000, |x, _| if x < 300 { RED } else { BLUE })), 6, "x");
        let profile = upload_ok(&app, &user, "cover", tall).await;
        let url = assert_uploaded(&app, &profile["cover_image"], 960, 576, "jpg");
        let cover = fetch_image(&app, &url, "image/jpeg").await;
        assert_colour(&cover, 480, 100, RED, "the left edge turned to the top");
        assert_colour(&cover, 480, 476, BLUE, "the right edge turned to the bottom");

        // Stored 1000×600, shown 600×1000: too narrow.
        let wide = with_exif(&jpeg(&picture(1000, 600, |_, _| RED)), 6, "x");
        let problem =
            assert_invalid(upload(&app, &user, "cover", wide).await, &[("cover", "too_narrow")]).await;
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("600"), "{problem}");
        assert_eq!(me(&app, &user).await["cover_image"]["url"], url, "the previous cover stays");
    }

    async fn uploads_and_removals_bump_the_profile_version(app, _media) {
        let user = app.register("version_user").await;
        let before = me(&app, &user).await;
        let version = before["version"].as_i64().unwrap();

        let after_avatar = upload_ok(&app, &user, "avatar", jpeg(&red_middle())).await;
        assert_eq!(after_avatar["version"], version + 1);
        assert!(timestamp(&after_avatar, "updated_at") > timestamp(&before, "updated_at"));
        let after_cover = upload_ok(&app, &user, "cover", jpeg(&picture(1000, 400, |_, _| RED))).await;
        assert_eq!(after_cover["version"], version + 2);
        let removed = profile_ok(
            app.request(reqwest::Method::DELETE, "/v1/users/me/avatar", Some(&user.token))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(removed["version"], version + 3);
        assert_eq!(me(&app, &user).await["version"], version + 3);

        // Everything else is as it was.
        let mut expected = before.clone();
        for key in ["version", "updated_at", "avatar_image", "cover_image"] {
            expected[key] = removed[key].clone();
        }
        assert_eq!(removed, expected);
    }

    async fn only_the_owner_or_an_admin_may_upload(app, _media) {
        let owner = app.register("owner_user").await;
        let other = app.register("other_user").await;
        let original = upload_ok(&app, &owner, "avatar", jpeg(&red_middle())).await;
        let path = format!("/v1/users/{}/avatar", owner.id);

        let response =
            upload_as(&app, &path, None, "avatar", jpeg(&quadrants(300, 300)), "a.jpg", "image/jpeg").await;
        crate::support::helpers::assert_unauthenticated(response).await;
        let response = upload_as(
            &app,
            &path,
            Some(&other.token),
            "avatar",
            jpeg(&quadrants(300, 300)),
            "a.jpg",
            "image/jpeg",
        )
        .await;
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = app.request(reqwest::Method::DELETE, &path, Some(&other.token)).send().await.unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        let unchanged = me(&app, &owner).await;
        assert_eq!(unchanged["avatar_image"], original["avatar_image"]);
        assert_eq!(unchanged["version"], original["version"]);
        assert_eq!(
            fetch(&app, original["avatar_image"]["url"].as_str().unwrap()).await.status,
            StatusCode::OK
        );

        let admin = app.create_admin("image_admin").await;
        let response = upload_as(
            &app,
            &path,
            Some(&admin.token),
            "avatar",
            jpeg(&quadrants(300, 300)),
            "a.jpg",
            "image/jpeg",
        )
        .await;
        let changed: Value = profile_ok(response).await;
        assert_eq!(changed["id"], owner.id);
        let url = assert_uploaded(&app, &changed["avatar_image"], 200, 200, "jpg");
        assert_eq!(me(&app, &owner).await["avatar_image"], changed["avatar_image"]);
        assert_quadrants(
            &fetch_image(&app, &url, "image/jpeg").await,
            [RED, BLUE, GREEN, YELLOW],
            "admin's upload",
        );

        let response = upload_as(
            &app,
            "/v1/users/999999/avatar",
            Some(&admin.token),
            "avatar",
            jpeg(&red_middle()),
            "a.jpg",
            "image/jpeg",
        )
        .await;
        assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}
