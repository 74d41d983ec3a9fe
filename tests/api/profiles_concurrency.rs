//! Concurrent changes to one profile: without `If-Match` none is lost; with
//! the same `If-Match` exactly one wins. Stale and wildcard `If-Match`.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::futures_join_all;
use crate::support::helpers::{TestApp, assert_problem};
use crate::support::profile_helpers::{
    MERGE_PATCH, get_profile, patch_ok, patch_with, profile_ok, put, send,
};

/// Sixteen different fields: the body sent and what the profile then shows.
fn sixteen_fields() -> Vec<(&'static str, Value, Value)> {
    vec![
        ("/name", json!({"name": "Parallel Name"}), json!("Parallel Name")),
        ("/location", json!({"location": "Somewhere"}), json!("Somewhere")),
        ("/country", json!({"country": "PL"}), json!({"code": "PL", "label": "Poland"})),
        ("/locale", json!({"locale": "pl_PL"}), json!("pl-PL")),
        ("/timezone", json!({"timezone": "Europe/Warsaw"}), json!("Europe/Warsaw")),
        ("/gender", json!({"gender": "non_binary"}), json!("non_binary")),
        ("/website_url", json!({"website_url": "https://site.example/"}), json!("https://site.example/")),
        ("/twitter_url", json!({"twitter_url": "https://x.com/par"}), json!("https://x.com/par")),
        (
            "/facebook_url",
            json!({"facebook_url": "https://facebook.com/par"}),
            json!("https://facebook.com/par"),
        ),
        (
            "/instagram_url",
            json!({"instagram_url": "https://instagram.com/par"}),
            json!("https://instagram.com/par"),
        ),
        (
            "/eth_address",
            json!({"eth_address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}),
            json!("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        ),
        (
            "/bank_account",
            json!({"bank_account": "DE44 5001 0517 5407 3249 31"}),
            json!("DE44500105175407324931"),
        ),
        ("/birthdate", json!({"birthdate": "1990-01-31"}), json!("1990-01-31")),
        ("/description/text", json!({"description": {"text": "in parallel"}}), json!("in parallel")),
        // Not `email`: its owner changes it through PUT /v1/users/me/email (issue 13).
        ("/pronouns", json!({"pronouns": "they/them"}), json!("they/them")),
        ("/username", json!({"username": "par_renamed"}), json!("par_renamed")),
    ]
}

/// Sends every body at once as a PATCH to `path`, with `headers`; returns
/// each response's status and body, in the order of `bodies`.
async fn patch_all(
    app: &TestApp,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    bodies: Vec<Value>,
) -> Vec<(StatusCode, Value)> {
    let requests = bodies.into_iter().map(|body| {
        let mut request = app
            .request(Method::PATCH, path, Some(token))
            .header("content-type", MERGE_PATCH)
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move {
            let response = request.send().await.expect("request sent");
            let status = response.status();
            let content_type = response.headers().get("content-type").cloned();
            let body: Value = response.json().await.expect("json body");
            let expected_type =
                if status.is_success() { "application/json" } else { "application/problem+json" };
            assert_eq!(
                content_type.as_ref().and_then(|v| v.to_str().ok()),
                Some(expected_type),
                "{status} {body}"
            );
            (status, body)
        }
    });
    futures_join_all(requests).await
}

/// The numbers of `user`'s change events, in order.
async fn event_sequences(app: &TestApp, user: i64) -> Vec<i64> {
    app.rows(&format!("SELECT sequence FROM change_events WHERE user_id = {user} ORDER BY sequence"))
        .await
        .iter()
        .map(|row| row["sequence"].as_i64().expect("sequence"))
        .collect()
}

both_databases! {
    async fn sixty_four_concurrent_writers_of_one_profile_queue_and_all_succeed(app) {
        let user = app.register("crowd_user").await;
        let path = format!("/v1/users/{}", user.id);
        let bodies = (0..64).map(|i| json!({"location": format!("Place {i}")})).collect();

        let results = patch_all(&app, &path, &user.token, &[], bodies).await;

        for (index, (status, answer)) in results.iter().enumerate() {
            assert_eq!(*status, StatusCode::OK, "writer {index}: {answer}");
            assert_eq!(answer["location"], format!("Place {index}"), "writer {index} sees its own change");
        }
        let versions: BTreeSet<i64> =
            results.iter().map(|(_, b)| b["version"].as_i64().expect("version")).collect();
        assert_eq!(versions, (2..=65).collect(), "every acknowledged change made its own version");
        let last = get_profile(&app, &path, &user.token).await;
        assert_eq!(last["version"], 65);
        let newest = results.iter().find(|(_, b)| b["version"] == 65).map(|(_, b)| b.clone());
        assert_eq!(newest, Some(last), "the last acknowledged change is the one stored");
    }

    async fn concurrent_writers_of_many_profiles_each_keep_every_change(app) {
        // On SQLite the writer reads the rows of a batch's edits together:
        // four edits of each of eight profiles, all at once, interleaved.
        let mut users = Vec::new();
        for i in 0..8 {
            users.push(app.register(&format!("many_{i}")).await);
        }
        let requests = (0..4).flat_map(|round| users.iter().map(move |user| (round, user))).map(|(round, user)| {
            let location = format!("{} place {round}", user.username);
            let request = app
                .request(Method::PATCH, &format!("/v1/users/{}", user.id), Some(&user.token))
                .header("content-type", MERGE_PATCH)
                .body(json!({"location": location}).to_string());
            let id = user.id;
            async move {
                let response = request.send().await.expect("request sent");
                assert_eq!(response.status(), StatusCode::OK);
                let answer: Value = response.json().await.expect("json body");
                assert_eq!(answer["location"], location, "{answer}");
                (id, answer)
            }
        });
        let results = futures_join_all(requests).await;

        for user in &users {
            let answers: Vec<&Value> = results.iter().filter(|(id, _)| *id == user.id).map(|(_, b)| b).collect();
            let versions: BTreeSet<i64> = answers.iter().map(|b| b["version"].as_i64().expect("version")).collect();
            assert_eq!(versions, (2..=5).collect(), "{}: every change made its own version", user.username);
            let path = format!("/v1/users/{}", user.id);
            let last = get_profile(&app, &path, &user.token).await;
            let newest = answers.iter().find(|b| b["version"] == 5).map(|b| (*b).clone());
            assert_eq!(newest, Some(last), "{}: the last acknowledged change is the one stored", user.username);
            let sequences = event_sequences(&app, user.id).await;
            assert_eq!(sequences, (1..=5).collect::<Vec<_>>(), "{}: user.created and four updates", user.username);
        }
    }

    async fn patches_beside_password_changes_number_every_event_once(app) {
        // A password change takes the account's next event number without a
        // new version: an edit decided before it must not reuse the number.
        let user = app.register("crowd_events").await;
        let path = format!("/v1/users/{}", user.id);
        let bodies = (0..16).map(|i| json!({"location": format!("Place {i}")})).collect();
        let passwords = async {
            let mut current = user.password.clone();
            for round in 0..3 {
                let next = format!("{} again {round}", user.password);
                let body = json!({"current_password": current, "new_password": next});
                let response = app.send_json(Method::PUT, "/v1/users/me/password", Some(&user.token), &body).await;
                assert_eq!(response.status(), StatusCode::NO_CONTENT, "password change {round}");
                current = next;
            }
        };
        let (results, ()) = tokio::join!(patch_all(&app, &path, &user.token, &[], bodies), passwords);

        for (index, (status, answer)) in results.iter().enumerate() {
            assert_eq!(*status, StatusCode::OK, "writer {index}: {answer}");
        }
        assert_eq!(get_profile(&app, &path, &user.token).await["version"], 17);
        let sequences = event_sequences(&app, user.id).await;
        // user.created, 16 profile.updated, 3 user.password_changed.
        assert_eq!(sequences, (1..=20).collect::<Vec<_>>());
    }

    async fn sixteen_concurrent_patches_of_different_fields_all_survive(app) {
        let user = app.register("par_user").await;
        let path = format!("/v1/users/{}", user.id);
        let fields = sixteen_fields();
        let bodies = fields.iter().map(|(_, body, _)| body.clone()).collect();

        let results = patch_all(&app, &path, &user.token, &[], bodies).await;

        for ((pointer, body, shown), (status, answer)) in fields.iter().zip(&results) {
            assert_eq!(*status, StatusCode::OK, "{body}: {answer}");
            assert_eq!(answer.pointer(pointer), Some(shown), "{body}: the answer shows the change");
        }
        let versions: BTreeSet<i64> =
            results.iter().map(|(_, b)| b["version"].as_i64().expect("version")).collect();
        assert_eq!(versions, (2..=17).collect(), "each change made its own version");

        let last = get_profile(&app, &path, &user.token).await;
        for (pointer, body, shown) in &fields {
            assert_eq!(last.pointer(pointer), Some(shown), "{body} was lost: {last}");
        }
        assert_eq!(last["version"], 17);
        let newest = results.iter().find(|(_, b)| b["version"] == 17).map(|(_, b)| b.clone());
        assert_eq!(newest, Some(last), "the last answer is the stored profile");
    }

    async fn sixteen_concurrent_patches_with_the_same_if_match_let_exactly_one_win(app) {
        let user = app.register("race_user").await;
        let path = format!("/v1/users/{}", user.id);

        // Round 1: the same field, sixteen values.
        let bodies = (0..16).map(|i| json!({"location": format!("Place {i}")})).collect();
        let results = patch_all(&app, &path, &user.token, &[("if-match", "\"1\"")], bodies).await;
        let winner = assert_one_winner(&results);
        let won_at = format!("Place {winner}");
        let after = get_profile(&app, &path, &user.token).await;
        assert_eq!(after["location"], won_at.as_str());
        assert_eq!(after["version"], 2);
        assert_eq!(after, results[winner].1, "the winner's answer is what is stored");

        // Round 2: sixteen different fields; only the winner's is applied.
        let fields = sixteen_fields();
        let bodies = fields.iter().map(|(_, body, _)| body.clone()).collect();
        let results = patch_all(&app, &path, &user.token, &[("if-match", "\"2\"")], bodies).await;
        let winner = assert_one_winner(&results);
        let last = get_profile(&app, &path, &user.token).await;
        assert_eq!(last["version"], 3);
        assert_eq!(last, results[winner].1);
        for (index, (pointer, body, shown)) in fields.iter().enumerate() {
            let expected = if index == winner {
                shown.clone()
            } else {
                after.pointer(pointer).cloned().unwrap_or(Value::Null)
            };
            assert_eq!(
                last.pointer(pointer).cloned().unwrap_or(Value::Null),
                expected,
                "{body} (winner {winner})"
            );
        }
    }

    async fn a_stale_if_match_is_refused_and_changes_nothing(app) {
        let user = app.register("stale_user").await;
        let v2 = patch_ok(&app, "/v1/users/me", &user.token, &json!({"location": "First"})).await;
        assert_eq!(v2["version"], 2);

        let full = json!({"name": "N", "locale": "en", "timezone": "UTC", "description": {"text": ""}});
        for tag in ["\"1\"", "\"3\"", "\"99\"", "W/\"1\"", "garbage", ""] {
            let response = patch_with(
                &app,
                "/v1/users/me",
                &user.token,
                &[("if-match", tag)],
                &json!({"location": "Lost"}),
            )
            .await;
            assert_problem(response, StatusCode::PRECONDITION_FAILED, "version_conflict").await;
            let response =
                patch_with(&app, "/v1/users/me", &user.token, &[("if-match", tag)], &json!({})).await;
            assert_problem(response, StatusCode::PRECONDITION_FAILED, "version_conflict").await;
            let response = send(
                &app,
                Method::PUT,
                "/v1/users/me",
                &user.token,
                "application/json",
                &[("if-match", tag)],
                &full,
            )
            .await;
            assert_problem(response, StatusCode::PRECONDITION_FAILED, "version_conflict").await;
        }
        assert_eq!(get_profile(&app, "/v1/users/me", &user.token).await, v2, "nothing changed");

        let v3 = profile_ok(
            patch_with(&app, "/v1/users/me", &user.token, &[("if-match", "*")], &json!({"location": "Any"}))
                .await,
        )
        .await;
        assert_eq!((v3["location"].clone(), v3["version"].clone()), (json!("Any"), json!(3)));
        let v4 = profile_ok(
            patch_with(
                &app,
                "/v1/users/me",
                &user.token,
                &[("if-match", "\"3\"")],
                &json!({"location": "Current"}),
            )
            .await,
        )
        .await;
        assert_eq!((v4["location"].clone(), v4["version"].clone()), (json!("Current"), json!(4)));
        let v5 = profile_ok(
            send(
                &app,
                Method::PUT,
                "/v1/users/me",
                &user.token,
                "application/json",
                &[("if-match", "\"4\"")],
                &full,
            )
            .await,
        )
        .await;
        assert_eq!(
            (v5["name"].clone(), v5["location"].clone(), v5["version"].clone()),
            (json!("N"), Value::Null, json!(5))
        );
        let plain = put(&app, "/v1/users/me", &user.token, &full).await;
        assert_eq!(profile_ok(plain).await, v5, "a PUT without If-Match that changes nothing");
    }

    async fn a_weak_if_match_tag_never_matches(app) {
        // RFC 9110 §13.1.1: If-Match uses the strong comparison, which a weak tag never passes.
        let user = app.register("weak_user").await;
        let response = patch_with(
            &app,
            "/v1/users/me",
            &user.token,
            &[("if-match", "W/\"1\"")],
            &json!({"location": "Weak"}),
        )
        .await;
        assert_problem(response, StatusCode::PRECONDITION_FAILED, "version_conflict").await;
        assert_eq!(get_profile(&app, "/v1/users/me", &user.token).await["version"], 1, "nothing changed");
    }

    async fn an_if_match_list_naming_the_current_version_proceeds(app) {
        // RFC 9110 §13.1.1: the condition holds when any listed tag matches.
        let user = app.register("list_user").await;
        patch_ok(&app, "/v1/users/me", &user.token, &json!({"location": "First"})).await;
        let response = patch_with(
            &app,
            "/v1/users/me",
            &user.token,
            &[("if-match", "\"1\", \"2\"")],
            &json!({"location": "Second"}),
        )
        .await;
        let body = profile_ok(response).await;
        assert_eq!((body["location"].clone(), body["version"].clone()), (json!("Second"), json!(3)));
    }
}

/// Asserts exactly one 200 and fifteen 412 `version_conflict`; returns the winner's index.
fn assert_one_winner(results: &[(StatusCode, Value)]) -> usize {
    let statuses: Vec<u16> = results.iter().map(|(s, _)| s.as_u16()).collect();
    let winners: Vec<usize> =
        results.iter().enumerate().filter(|(_, (s, _))| *s == StatusCode::OK).map(|(i, _)| i).collect();
    assert_eq!(winners.len(), 1, "exactly one winner: {statuses:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::PRECONDITION_FAILED, "{statuses:?}: {body}");
        assert_eq!(body["code"], "version_conflict", "{body}");
        assert_eq!(body["status"], 412, "{body}");
    }
    winners[0]
}
