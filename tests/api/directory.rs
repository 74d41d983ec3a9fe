//! `GET /v1/users`: the directory for holders of `users.manage`: each
//! filter, each sort, the limit's bounds, the cursor (refused when it is
//! not this list's), pagination with accounts added between pages (no row
//! skipped or repeated), the `Link` header, 401 and 403.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::helpers::{
    TestApp, TestUser, assert_problem, assert_unauthenticated, field_errors, header,
};
use crate::support::profile_helpers::patch;

/// One page: usernames, `next_cursor`, `Link`.
struct Page {
    usernames: Vec<String>,
    items: Vec<Value>,
    next: Option<String>,
    link: Option<String>,
}

async fn page(app: &TestApp, token: &str, query: &str) -> Page {
    let response = app.get(&format!("/v1/users?{query}"), Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "GET /v1/users?{query}");
    let link = header(&response, "link");
    let body: Value = response.json().await.expect("json body");
    let items = body["items"].as_array().expect("items").clone();
    Page {
        usernames: items.iter().map(|item| item["username"].as_str().expect("username").to_owned()).collect(),
        items,
        next: body["next_cursor"].as_str().map(str::to_owned),
        link,
    }
}

/// Every username of the list `query` names, following cursors `limit` at a time.
async fn all_pages(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("{query}&cursor={cursor}"),
            None => query.to_owned(),
        };
        let page = page(app, token, &query).await;
        names.extend(page.usernames);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return names,
        }
    }
}

async fn named(app: &TestApp, username: &str, name: &str) -> TestUser {
    let user = app.register(username).await;
    let response = patch(app, "/v1/users/me", &user.token, &json!({"name": name})).await;
    assert_eq!(response.status(), StatusCode::OK);
    user
}

async fn assert_invalid(app: &TestApp, token: &str, query: &str, fields: &[&str]) {
    let response = app.get(&format!("/v1/users?{query}"), Some(token)).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let named: Vec<String> = field_errors(&problem).into_iter().map(|(field, _)| field).collect();
    assert_eq!(named, fields, "{query}: {problem}");
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

both_databases! {
    async fn the_directory_needs_a_token_and_users_manage(app) {
        let user = app.register("dir_plain").await;
        assert_unauthenticated(app.get("/v1/users", None).await).await;
        assert_problem(app.get("/v1/users", Some(&user.token)).await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    async fn q_matches_a_username_prefix_an_exact_email_or_the_starts_of_name_words(app) {
        let admin = app.create_admin("dir_admin").await;
        named(&app, "ann_smith", "Ann-Marie Smith").await;
        named(&app, "annabel", "Belle").await;
        named(&app, "bob_q", "Robert Annan").await;
        named(&app, "carol_x", "Carol Maria").await;

        let q = |q: &'static str| {
            let (app, token) = (&app, admin.token.clone());
            async move { sorted(page(app, &token, &format!("q={q}&sort=username")).await.usernames) }
        };
        // A username prefix (any case) or a word of the name starting with it.
        assert_eq!(q("ANN").await, ["ann_smith", "annabel", "bob_q"]);
        assert_eq!(q("ann_s").await, ["ann_smith"]);
        // An exact email, any case; a part of one matches nothing.
        assert_eq!(q("Carol_X%40example.com").await, ["carol_x"]);
        assert!(q("example.com").await.is_empty());
        // Words of the name: each word of q starts one of its words.
        assert_eq!(q("mari").await, ["ann_smith", "carol_x"]);
        assert_eq!(q("smi%20mar").await, ["ann_smith"]);
        assert!(q("arie").await.is_empty(), "the middle of a word does not match");
        assert_eq!(q("%20%20").await.len(), 5, "a blank q filters nothing");
    }

    async fn role_and_creation_dates_filter(app) {
        let admin = app.create_admin("dir_boss").await;
        let mut created = Vec::new();
        for name in ["dir_one", "dir_two", "dir_three"] {
            let user = app.register(name).await;
            let me: Value = app.get("/v1/users/me", Some(&user.token)).await.json().await.unwrap();
            created.push(me["created_at"].as_str().unwrap().to_owned());
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let token = &admin.token;
        assert_eq!(page(&app, token, "role=admin").await.usernames, ["dir_boss"]);
        assert_eq!(page(&app, token, "role=user&sort=created_at").await.usernames, ["dir_one", "dir_two", "dir_three"]);

        let encode = |at: &str| at.replace('+', "%2B");
        let after = page(&app, token, &format!("created_after={}&sort=created_at", encode(&created[1]))).await;
        assert_eq!(after.usernames, ["dir_two", "dir_three"], "created_after includes its instant");
        let before = page(&app, token, &format!("created_before={}&sort=created_at", encode(&created[1]))).await;
        assert_eq!(before.usernames, ["dir_boss", "dir_one"], "created_before excludes its instant");

        assert_invalid(&app, token, "role=root&created_after=yesterday&created_before=2026-13-01", &["role", "created_after", "created_before"]).await;
        assert_invalid(&app, token, "q=a%00b&suspended=maybe", &["q", "suspended"]).await;
    }

    async fn each_sort_orders_the_whole_list(app) {
        let admin = app.create_admin("dir_sorter").await;
        for name in ["dir_m", "dir_a", "dir_z"] {
            app.register(name).await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let token = &admin.token;
        let by = |sort: &'static str| {
            let (app, token) = (&app, token.clone());
            async move { page(app, &token, &format!("sort={sort}")).await.usernames }
        };
        assert_eq!(by("created_at").await, ["dir_sorter", "dir_m", "dir_a", "dir_z"]);
        assert_eq!(by("-created_at").await, ["dir_z", "dir_a", "dir_m", "dir_sorter"]);
        assert_eq!(page(&app, token, "").await.usernames, by("-created_at").await, "newest first by default");
        assert_eq!(by("username").await, ["dir_a", "dir_m", "dir_sorter", "dir_z"]);
        assert_eq!(by("-username").await, ["dir_z", "dir_sorter", "dir_m", "dir_a"]);
        assert_invalid(&app, token, "sort=name", &["sort"]).await;
    }

    async fn the_limit_is_one_to_a_hundred(app) {
        let admin = app.create_admin("dir_limits").await;
        app.register("dir_other").await;
        let token = &admin.token;
        assert_eq!(page(&app, token, "limit=1").await.usernames.len(), 1);
        assert_eq!(page(&app, token, "limit=100").await.usernames.len(), 2);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_invalid(&app, token, &format!("limit={bad}"), &["limit"]).await;
        }
    }

    async fn a_cursor_works_only_with_the_list_it_came_from(app) {
        let admin = app.create_admin("dir_cursor").await;
        for name in ["dir_c1", "dir_c2", "dir_c3"] {
            app.register(name).await;
        }
        let token = &admin.token;
        let first = page(&app, token, "sort=username&limit=2").await;
        let cursor = first.next.expect("a next page");
        assert_eq!(page(&app, token, &format!("sort=username&limit=2&cursor={cursor}")).await.usernames, ["dir_c3", "dir_cursor"]);
        assert_eq!(page(&app, token, &format!("sort=username&limit=3&cursor={cursor}")).await.usernames.len(), 2, "the limit may change");
        for other in ["sort=-username", "sort=username&q=dir", "sort=username&role=user", "sort=created_at"] {
            assert_invalid(&app, token, &format!("{other}&cursor={cursor}"), &["cursor"]).await;
        }
        for bad in ["zz", "00", "7b7d", "not-a-cursor"] {
            assert_invalid(&app, token, &format!("sort=username&cursor={bad}"), &["cursor"]).await;
        }
    }

    async fn the_next_page_is_linked_and_the_last_page_has_no_link(app) {
        let admin = app.create_admin("dir_linker").await;
        app.register("dir_l1").await;
        app.register("dir_l2").await;
        let token = &admin.token;
        let first = page(&app, token, "q=dir&limit=2&sort=username").await;
        let cursor = first.next.clone().expect("a next page");
        let link = first.link.expect("a Link header");
        assert!(link.starts_with("<http"), "absolute: {link}");
        assert!(
            link.ends_with(&format!("/v1/users?q=dir&limit=2&sort=username&cursor={cursor}>; rel=\"next\"")),
            "{link}"
        );
        let last = page(&app, token, &format!("q=dir&limit=2&sort=username&cursor={cursor}")).await;
        assert_eq!(last.usernames, ["dir_linker"]);
        assert_eq!((last.next, last.link), (None, None));
    }

    async fn accounts_added_between_pages_make_no_row_skipped_or_repeated(app, |s| s.limits.signups_per_client = 10_000) {
        let admin = app.create_admin("dir_pager").await;
        let mut before = vec!["dir_pager".to_owned()];
        for i in 0..9 {
            let name = format!("dir_p{i}");
            app.register(&name).await;
            before.push(name);
        }
        for sort in ["username", "-username", "created_at", "-created_at"] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut added = 0;
            loop {
                let query = match &cursor {
                    Some(cursor) => format!("sort={sort}&limit=3&cursor={cursor}"),
                    None => format!("sort={sort}&limit=3"),
                };
                let page = page(&app, &admin.token, &query).await;
                seen.extend(page.usernames);
                let Some(next) = page.next else { break };
                cursor = Some(next);
                // Accounts before and after the cursor in every order.
                for prefix in ["dir_a", "dir_z"] {
                    app.register(&format!("{prefix}{}{added}", &sort.replace('-', "d").replace('_', "")[..3])).await;
                    added += 1;
                }
            }
            let unique: HashSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{sort}: a row repeated: {seen:?}");
            for name in &before {
                assert!(seen.contains(name), "{sort}: {name} skipped: {seen:?}");
            }
            let mut expected = seen.clone();
            expected.sort();
            if sort == "-username" {
                expected.reverse();
            }
            if sort.ends_with("username") {
                assert_eq!(seen, expected, "{sort}: in order");
            }
            before = all_pages(&app, &admin.token, "sort=username&limit=100").await;
        }
    }

    async fn name_words_follow_renames_and_deletions(app) {
        // The words of the name have an index of their own on both databases
        // (on SQLite an FTS5 table kept by triggers): it must follow every
        // change of the name and forget deleted accounts.
        let admin = app.create_admin("dir_words").await;
        let user = named(&app, "dir_renamed", "Quentin Zebulon-Farquhar").await;
        let q = |q: &'static str| {
            let (app, token) = (&app, admin.token.clone());
            async move { page(app, &token, &format!("q={q}&sort=username")).await.usernames }
        };
        assert_eq!(q("farq").await, ["dir_renamed"]);
        assert_eq!(q("ZEBU%20quen").await, ["dir_renamed"]);

        let response = patch(&app, "/v1/users/me", &user.token, &json!({"name": "Wilhelmina Oddball"})).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(q("farq").await.is_empty(), "the old name's words are forgotten");
        assert!(q("quentin").await.is_empty());
        assert_eq!(q("oddb%20wilh").await, ["dir_renamed"]);

        let other = named(&app, "dir_other", "Wilhelmina Plain").await;
        assert_eq!(sorted(q("wilhelmina").await), ["dir_other", "dir_renamed"]);
        let deleted = app.request(reqwest::Method::DELETE, &format!("/v1/users/{}", user.id), Some(&admin.token)).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(q("wilhelmina").await, ["dir_other"], "a deleted account's words are gone");
        assert!(q("oddball").await.is_empty());
        drop(other);
    }

    async fn private_fields_are_shown_to_administrators_and_deleted_accounts_never(app) {
        let admin = app.create_admin("dir_private").await;
        let gone = app.register("dir_gone").await;
        let kept = app.register("dir_kept").await;
        let deleted = app.request(reqwest::Method::DELETE, &format!("/v1/users/{}", gone.id), Some(&admin.token)).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        let listed = page(&app, &admin.token, "sort=username").await;
        assert_eq!(listed.usernames, ["dir_kept", "dir_private"]);
        assert_eq!(listed.items[0]["email"], kept.email.as_str(), "admins hold profiles.read_private");
        assert!(listed.items[0].get("suspension").is_none());
    }
}

/// On SQLite a request that finds every reading connection busy waits its
/// turn however long the queue: the file is always there, so a wait is
/// contention, never an outage, and must not be answered 503 (issue 10).
/// (PostgreSQL's requests queue the same way; its outages are answered by
/// the health gate.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reads_queue_for_a_connection_instead_of_failing() {
    let app = crate::support::helpers::try_spawn_app(crate::support::helpers::Backend::Sqlite, |s| {
        s.limits.signups_per_client = 10_000;
    })
    .await
    .expect("SQLite is always available");
    let admin = app.create_admin("dir_queue").await;
    for i in 0..20 {
        named(&app, &format!("dir_q{i}"), &format!("Queue Person{i}")).await;
    }
    // 64 directory reads at once on 2 workers of 2 reading connections each:
    // every one answers 200.
    let reads = (0..64).map(|i| {
        let query = if i % 2 == 0 { "q=queue&sort=-created_at" } else { "q=dir_q1&sort=username" };
        let request = app.request(reqwest::Method::GET, &format!("/v1/users?{query}"), Some(&admin.token));
        async move { request.send().await.expect("an answer").status() }
    });
    let statuses = crate::accounts::futures_join_all(reads).await;
    let failed: Vec<_> = statuses.iter().filter(|status| !status.is_success()).collect();
    assert!(failed.is_empty(), "{} of 64 failed: {failed:?}", failed.len());
}
