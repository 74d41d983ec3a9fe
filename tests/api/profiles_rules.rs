//! Every field rule through the API, boundary values included, and a request
//! with many bad fields answered with all of them.

use chrono::{Days, Months, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::support::profile_helpers::{
    Outcome, assert_invalid, check_cases, get_profile, patch, patch_ok, put,
};

fn ok(pointer: &'static str, value: impl Into<Value>) -> Outcome {
    Ok((pointer, value.into()))
}

fn cleared(pointer: &'static str) -> Outcome {
    Ok((pointer, Value::Null))
}

fn refused(field: &'static str, code: &'static str) -> Outcome {
    Err((field, code))
}

/// Today as the server sees it (UTC).
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The birthdate of someone who turns 13 today.
fn thirteen_today() -> NaiveDate {
    today().checked_sub_months(Months::new(13 * 12)).expect("a date 13 years ago")
}

both_databases! {
    async fn name_description_location_and_gender_follow_their_rules(app) {
        let alice = app.register("alice_text").await;
        let n = |count: usize, s: &str| s.repeat(count);
        let cases = vec![
            (json!({"name": n(50, "n")}), ok("/name", n(50, "n"))),
            (json!({"name": n(51, "n")}), refused("name", "too_long")),
            (json!({"name": n(50, "😀")}), ok("/name", n(50, "😀"))),
            (json!({"name": n(51, "😀")}), refused("name", "too_long")),
            (json!({"name": "  Zoë Łukasiewicz \t"}), ok("/name", "Zoë Łukasiewicz")),
            (json!({"name": "Mark\nThurman"}), refused("name", "control_characters")),
            (json!({"name": "Mark\u{7f}"}), refused("name", "control_characters")),
            (json!({"name": "   "}), refused("name", "too_short")),
            (json!({"name": 42}), refused("name", "invalid_type")),
            (json!({"description": {"text": n(256, "d")}}), ok("/description/text", n(256, "d"))),
            (json!({"description": {"text": n(257, "d")}}), refused("description.text", "too_long")),
            (json!({"description": {"text": n(256, "🦀")}}), ok("/description/text", n(256, "🦀"))),
            (json!({"description": {"text": n(257, "🦀")}}), refused("description.text", "too_long")),
            (
                json!({"description": {"text": "two\nlines\tand tabs"}}),
                ok("/description/text", "two\nlines\tand tabs"),
            ),
            (
                json!({"description": {"text": "bell\u{7}"}}),
                refused("description.text", "control_characters"),
            ),
            (json!({"description": {"text": ""}}), ok("/description/text", "")),
            (json!({"description": "just text"}), refused("description", "invalid_type")),
            (json!({"description": {"text": 5}}), refused("description.text", "invalid_type")),
            (json!({"location": n(100, "l")}), ok("/location", n(100, "l"))),
            (json!({"location": n(101, "l")}), refused("location", "too_long")),
            (json!({"location": n(100, "東")}), ok("/location", n(100, "東"))),
            (json!({"location": n(101, "東")}), refused("location", "too_long")),
            (json!({"location": "  Kraków "}), ok("/location", "Kraków")),
            (json!({"location": "line\nbreak"}), refused("location", "control_characters")),
            (json!({"location": ""}), cleared("/location")),
            (json!({"location": ["Warsaw"]}), refused("location", "invalid_type")),
            (json!({"gender": "female"}), ok("/gender", "female")),
            (json!({"gender": "male"}), ok("/gender", "male")),
            (json!({"gender": "non_binary"}), ok("/gender", "non_binary")),
            (json!({"gender": "prefer_not_to_say"}), ok("/gender", "prefer_not_to_say")),
            (json!({"gender": " Female "}), ok("/gender", "female")),
            (json!({"gender": n(32, "g")}), ok("/gender", n(32, "g"))),
            (json!({"gender": n(33, "g")}), refused("gender", "too_long")),
            (json!({"gender": n(32, "🌈")}), ok("/gender", n(32, "🌈"))),
            (json!({"gender": n(33, "🌈")}), refused("gender", "too_long")),
            (json!({"gender": "two\nlines"}), refused("gender", "control_characters")),
            (json!({"gender": ""}), cleared("/gender")),
            (json!({"gender": "agender"}), ok("/gender", "agender")),
            (json!({"gender": "   "}), cleared("/gender")),
            (json!({"gender": true}), refused("gender", "invalid_type")),
        ];
        let checked = check_cases(&app, &alice, "/v1/users/me", &cases).await;
        assert_eq!(checked, 40);
    }

    async fn country_locale_timezone_and_birthdate_follow_their_rules(app) {
        let alice = app.register("alice_place").await;
        let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let cases = vec![
            (json!({"country": "PL"}), ok("/country", json!({"code": "PL", "label": "Poland"}))),
            (json!({"country": " de "}), ok("/country", json!({"code": "DE", "label": "Germany"}))),
            (
                json!({"country": {"code": "AL", "label": "Albania"}}),
                ok("/country", json!({"code": "AL", "label": "Albania"})),
            ),
            // The label is the server's (issue 12: nothing sent is silently dropped).
            (json!({"country": {"code": "AL", "label": "Not Albania"}}), refused("country.label", "read_only")),
            // Dialect 001's `{label, value}` is its adapter's to translate, not native input.
            (json!({"country": {"value": "PL"}}), refused("country.value", "unknown_field")),
            (json!({"country": "XX"}), refused("country", "unknown_country")),
            (json!({"country": "UK"}), refused("country", "unknown_country")),
            (json!({"country": "POL"}), refused("country", "unknown_country")),
            (json!({"country": "Poland"}), refused("country", "unknown_country")),
            (json!({"country": 48}), refused("country", "invalid_type")),
            (json!({"country": ""}), cleared("/country")),
            (json!({"locale": "en_US"}), ok("/locale", "en-US")),
            (json!({"locale": "EN_us"}), ok("/locale", "en-US")),
            (json!({"locale": "pl"}), ok("/locale", "pl")),
            (json!({"locale": "zh-hant-tw"}), ok("/locale", "zh-Hant-TW")),
            (json!({"locale": "es-419"}), ok("/locale", "es-419")),
            (json!({"locale": "1en"}), refused("locale", "invalid_locale")),
            (json!({"locale": "en US"}), refused("locale", "invalid_locale")),
            (json!({"locale": "en--US"}), refused("locale", "invalid_locale")),
            (json!({"locale": ""}), refused("locale", "invalid_locale")),
            (json!({"locale": 7}), refused("locale", "invalid_type")),
            (json!({"timezone": "Europe/Warsaw"}), ok("/timezone", "Europe/Warsaw")),
            (json!({"timezone": "US/Central"}), ok("/timezone", "US/Central")),
            (json!({"timezone": " America/New_York "}), ok("/timezone", "America/New_York")),
            (json!({"timezone": "Europe/Atlantis"}), refused("timezone", "unknown_timezone")),
            (json!({"timezone": "europe/warsaw"}), refused("timezone", "unknown_timezone")),
            (json!({"timezone": "CEST"}), refused("timezone", "unknown_timezone")),
            (json!({"timezone": "+02:00"}), refused("timezone", "unknown_timezone")),
            (json!({"timezone": ""}), refused("timezone", "unknown_timezone")),
            (json!({"birthdate": date(thirteen_today())}), ok("/birthdate", date(thirteen_today()))),
            (json!({"birthdate": date(thirteen_today() + Days::new(1))}), refused("birthdate", "too_young")),
            (json!({"birthdate": date(today())}), refused("birthdate", "too_young")),
            (json!({"birthdate": date(today() + Days::new(1))}), refused("birthdate", "in_future")),
            (json!({"birthdate": "2999-01-01"}), refused("birthdate", "in_future")),
            (json!({"birthdate": "2001-09-22T03:23:23.275+00:00"}), ok("/birthdate", "2001-09-22")),
            (json!({"birthdate": "2001-09-22T23:30:00-05:00"}), ok("/birthdate", "2001-09-22")),
            (json!({"birthdate": "1900-01-01"}), ok("/birthdate", "1900-01-01")),
            (json!({"birthdate": "1899-12-31"}), refused("birthdate", "out_of_range")),
            (json!({"birthdate": "1990-02-30"}), refused("birthdate", "invalid_date")),
            (json!({"birthdate": "31.01.1990"}), refused("birthdate", "invalid_date")),
            (json!({"birthdate": "2001-09-22T03:23"}), refused("birthdate", "invalid_date")),
            (json!({"birthdate": 19_900_131}), refused("birthdate", "invalid_type")),
            (json!({"birthdate": ""}), cleared("/birthdate")),
        ];
        let checked = check_cases(&app, &alice, "/v1/users/me", &cases).await;
        assert_eq!(checked, 43);
        // The date is stored as a date, not as the date-time sent.
        patch_ok(&app, "/v1/users/me", &alice.token, &json!({"birthdate": "2001-09-22T23:30:00-05:00"}))
            .await;
        let rows = app.rows(&format!("SELECT birthdate FROM users WHERE id = {}", alice.id)).await;
        assert_eq!(rows[0]["birthdate"], "2001-09-22");
    }

    async fn the_minimum_age_comes_from_the_configuration(
        app,
        |s: &mut profile_server::Settings| s.profiles.min_age = 18
    ) {
        let alice = app.register("alice_age").await;
        let eighteen = today().checked_sub_months(Months::new(18 * 12)).expect("a date 18 years ago");
        let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let cases = vec![
            (json!({"birthdate": date(thirteen_today())}), refused("birthdate", "too_young")),
            (json!({"birthdate": date(eighteen + Days::new(1))}), refused("birthdate", "too_young")),
            (json!({"birthdate": date(eighteen)}), ok("/birthdate", date(eighteen))),
        ];
        assert_eq!(check_cases(&app, &alice, "/v1/users/me", &cases).await, 3);
    }

    async fn urls_follow_their_rules(app) {
        let alice = app.register("alice_urls").await;
        let prefix = "https://example.com/";
        let max = format!("{prefix}{}", "a".repeat(2048 - prefix.len()));
        let over = format!("{prefix}{}", "a".repeat(2049 - prefix.len()));
        let cases = vec![
            (json!({"website_url": "http://mynewblog.com"}), ok("/website_url", "http://mynewblog.com/")),
            (
                json!({"website_url": " https://Example.COM/Path?q=1#x "}),
                ok("/website_url", "https://example.com/Path?q=1#x"),
            ),
            (json!({"website_url": max.clone()}), ok("/website_url", max.clone())),
            (json!({"website_url": over}), refused("website_url", "too_long")),
            (json!({"website_url": "ftp://example.com/file"}), refused("website_url", "invalid_url")),
            (json!({"website_url": "example.com"}), refused("website_url", "invalid_url")),
            (json!({"website_url": "javascript:alert(1)"}), refused("website_url", "invalid_url")),
            (json!({"website_url": ""}), cleared("/website_url")),
            (
                json!({"twitter_url": "https://twitter.com/igorklepacki"}),
                ok("/twitter_url", "https://twitter.com/igorklepacki"),
            ),
            (
                json!({"twitter_url": "https://x.com/igorklepacki"}),
                ok("/twitter_url", "https://x.com/igorklepacki"),
            ),
            (json!({"twitter_url": "http://WWW.X.COM/a"}), ok("/twitter_url", "http://www.x.com/a")),
            (
                json!({"twitter_url": "https://facebook.com/igorklepacki"}),
                refused("twitter_url", "wrong_host"),
            ),
            (json!({"twitter_url": "https://twitter.com.evil.io/a"}), refused("twitter_url", "wrong_host")),
            (json!({"twitter_url": "ftp://twitter.com/a"}), refused("twitter_url", "invalid_url")),
            (
                json!({"twitter_url": format!("https://twitter.com/{}", "a".repeat(2048))}),
                refused("twitter_url", "too_long"),
            ),
            (
                json!({"facebook_url": "https://facebook.com/zuck"}),
                ok("/facebook_url", "https://facebook.com/zuck"),
            ),
            (
                json!({"facebook_url": "https://m.facebook.com/zuck"}),
                ok("/facebook_url", "https://m.facebook.com/zuck"),
            ),
            (json!({"facebook_url": "https://x.com/zuck"}), refused("facebook_url", "wrong_host")),
            (json!({"facebook_url": "https://fb.com/zuck"}), refused("facebook_url", "wrong_host")),
            (
                json!({"instagram_url": "https://www.instagram.com/nasa/"}),
                ok("/instagram_url", "https://www.instagram.com/nasa/"),
            ),
            (json!({"instagram_url": "https://instagr.am/nasa"}), refused("instagram_url", "wrong_host")),
            (json!({"instagram_url": "instagram.com/nasa"}), refused("instagram_url", "invalid_url")),
        ];
        let checked = check_cases(&app, &alice, "/v1/users/me", &cases).await;
        assert_eq!(checked, 22);
    }

    async fn eth_address_bank_account_username_and_email_follow_their_rules(app) {
        let alice = app.register("alice_ids").await;
        let cases = vec![
            (
                json!({"eth_address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}),
                ok("/eth_address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            ),
            (
                json!({"eth_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}),
                ok("/eth_address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            ),
            (
                json!({"eth_address": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"}),
                ok("/eth_address", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
            ),
            (
                json!({"eth_address": "0x52908400098527886E0F7030069857D2E4169EE7"}),
                ok("/eth_address", "0x52908400098527886E0F7030069857D2E4169EE7"),
            ),
            (
                json!({"eth_address": "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}),
                refused("eth_address", "invalid_checksum"),
            ),
            (
                json!({"eth_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}),
                refused("eth_address", "invalid_checksum"),
            ),
            (
                json!({"eth_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"}),
                refused("eth_address", "invalid_eth_address"),
            ),
            (
                json!({"eth_address": "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}),
                refused("eth_address", "invalid_eth_address"),
            ),
            (
                json!({"eth_address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg"}),
                refused("eth_address", "invalid_eth_address"),
            ),
            (json!({"eth_address": ""}), cleared("/eth_address")),
            (
                json!({"bank_account": "DE44 5001 0517 5407 3249 31"}),
                ok("/bank_account", "DE44500105175407324931"),
            ),
            (
                json!({"bank_account": " gb82 west 1234 5698 7654 32 "}),
                ok("/bank_account", "GB82WEST12345698765432"),
            ),
            (
                json!({"bank_account": "DE45 5001 0517 5407 3249 31"}),
                refused("bank_account", "invalid_checksum"),
            ),
            (
                json!({"bank_account": "PL61 1090 1014 0000 0712 1981 2875"}),
                refused("bank_account", "invalid_checksum"),
            ),
            (json!({"bank_account": "not an iban"}), refused("bank_account", "invalid_iban")),
            (json!({"bank_account": ""}), cleared("/bank_account")),
            (json!({"username": "ab"}), refused("username", "too_short")),
            (json!({"username": "a".repeat(21)}), refused("username", "too_long")),
            (json!({"username": "bad-name"}), refused("username", "invalid_characters")),
            (json!({"username": "12345"}), refused("username", "all_digits")),
            (json!({"username": "Admin"}), refused("username", "reserved")),
            (json!({"username": "alice_ids_2"}), ok("/username", "alice_ids_2")),
            (json!({"email": "not-an-email"}), refused("email", "invalid_email")),
            // The owner changes the address through PUT /v1/users/me/email (issue 13).
            (json!({"email": " New.Alice@Example.com "}), refused("email", "use_email_change")),
        ];
        let checked = check_cases(&app, &alice, "/v1/users/me", &cases).await;
        assert_eq!(checked, 24);
    }

    async fn annotations_follow_their_rules(app) {
        let alice = app.register("alice_annr").await;
        let blog = json!({"type": "net.app.core.directory.blog", "value": {"url": "http://mynewblog.com"}});
        let twenty = json!(vec![blog.clone(); 20]);
        // {"k":"…"} is 8 bytes of JSON around the string.
        let max_value = json!([{"type": "a.b", "value": {"k": "x".repeat(8 * 1024 - 8)}}]);
        let max_type = json!([{"type": format!("a.{}", "b".repeat(126)), "value": {}}]);
        let cases = vec![
            (json!({"annotations": twenty.clone()}), ok("/annotations", twenty)),
            (json!({"annotations": vec![blog.clone(); 21]}), refused("annotations", "too_many")),
            (json!({"annotations": max_value.clone()}), ok("/annotations", max_value)),
            (
                json!({"annotations": [{"type": "a.b", "value": {"k": "x".repeat(8 * 1024 - 7)}}]}),
                refused("annotations[0].value", "too_large"),
            ),
            (
                json!({"annotations": [{"type": "a.b", "value": {"k": "😀".repeat(2048)}}]}),
                refused("annotations[0].value", "too_large"),
            ),
            (json!({"annotations": max_type.clone()}), ok("/annotations", max_type)),
            (
                json!({"annotations": [{"type": format!("a.{}", "b".repeat(127)), "value": {}}]}),
                refused("annotations[0].type", "too_long"),
            ),
            (
                json!({"annotations": [{"type": "blog", "value": {}}]}),
                refused("annotations[0].type", "invalid_format"),
            ),
            (
                json!({"annotations": [blog.clone(), {"type": "a..b", "value": {}}]}),
                refused("annotations[1].type", "invalid_format"),
            ),
            (
                json!({"annotations": [{"type": 5, "value": {}}]}),
                refused("annotations[0].type", "invalid_type"),
            ),
            (json!({"annotations": [{"value": {}}]}), refused("annotations[0].type", "required")),
            (
                json!({"annotations": [{"type": "a.b", "value": "x"}]}),
                refused("annotations[0].value", "invalid_type"),
            ),
            (
                json!({"annotations": [{"type": "a.b", "value": [1]}]}),
                refused("annotations[0].value", "invalid_type"),
            ),
            (json!({"annotations": [{"type": "a.b"}]}), refused("annotations[0].value", "required")),
            (json!({"annotations": ["a.b"]}), refused("annotations[0]", "invalid_type")),
            (json!({"annotations": {"type": "a.b", "value": {}}}), refused("annotations", "invalid_type")),
            (json!({"annotations": []}), ok("/annotations", json!([]))),
        ];
        let checked = check_cases(&app, &alice, "/v1/users/me?include_annotations=1", &cases).await;
        assert_eq!(checked, 17);
    }

    async fn a_request_with_many_bad_fields_is_answered_with_all_of_them(app) {
        let alice = app.register("alice_many").await;
        let before = get_profile(&app, "/v1/users/me?include_annotations=1", &alice.token).await;
        let tomorrow = (today() + Days::new(1)).format("%Y-%m-%d").to_string();
        let body = json!({
            "username": "bad-name!",
            "email": "nope",
            "name": "",
            "description": {"text": "d".repeat(257), "entities": {"links": [{"url": "ftp://example.com", "pos": 0, "len": 1}]}},
            "location": "l".repeat(101),
            "country": "XX",
            "locale": "1en",
            "timezone": "Mars/Base",
            "birthdate": tomorrow,
            "gender": "g".repeat(33),
            "website_url": "ftp://example.com",
            "twitter_url": "https://facebook.com/alice",
            "facebook_url": "https://x.com/alice",
            "instagram_url": "nope",
            "eth_address": "0x123",
            "bank_account": "DE45 5001 0517 5407 3249 31",
            "is_creator": "yes",
            "annotations": [{"type": "a.b", "value": {}}, {"type": "nope", "value": 1}],
            "role": 7
        });
        let expected = [
            ("username", "invalid_characters"),
            ("email", "invalid_email"),
            ("name", "too_short"),
            ("description.text", "too_long"),
            ("description.entities.links[0].url", "invalid_url"),
            ("location", "too_long"),
            ("country", "unknown_country"),
            ("locale", "invalid_locale"),
            ("timezone", "unknown_timezone"),
            ("birthdate", "in_future"),
            ("gender", "too_long"),
            ("website_url", "invalid_url"),
            ("twitter_url", "wrong_host"),
            ("facebook_url", "wrong_host"),
            ("instagram_url", "invalid_url"),
            ("eth_address", "invalid_eth_address"),
            ("bank_account", "invalid_checksum"),
            ("is_creator", "invalid_type"),
            ("annotations[1].type", "invalid_format"),
            ("annotations[1].value", "invalid_type"),
            ("role", "invalid_type"),
        ];
        let response = patch(&app, "/v1/users/me", &alice.token, &body).await;
        assert_invalid(response, &expected).await;
        let response = put(&app, "/v1/users/me", &alice.token, &body).await;
        assert_invalid(response, &expected).await;
        assert_eq!(get_profile(&app, "/v1/users/me?include_annotations=1", &alice.token).await, before);
    }
}
