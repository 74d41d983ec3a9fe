//! Description processing: mentions resolved to users, hashtags, detected
//! and user-specified links, escaped HTML, positions in characters.

use serde_json::json;

use crate::support::profile_helpers::{
    Outcome, assert_invalid, char_pos, check_cases, get_profile, patch, patch_ok,
};

both_databases! {
    async fn mentions_hashtags_and_links_are_found_with_positions_in_characters(app) {
        let alice = app.register("alice_desc").await;
        let bob = app.register("bob_desc").await;
        let text =
            "😀 hi @Bob_Desc & @ghost_user #rust <script>alert('x')</script> https://rust-lang.org my blog";
        let blog = char_pos(text, "my blog");
        let body = json!({"description": {"text": text, "entities": {"links": [
            {"url": "https://blog.example", "text": "my blog", "pos": blog, "len": 7}
        ]}}});
        let patched = patch_ok(&app, "/v1/users/me", &alice.token, &body).await;

        // The emoji before the first entity counts as one character, not four bytes.
        assert_eq!(char_pos(text, "@Bob_Desc"), 5);
        assert_eq!(char_pos(text, "@ghost_user"), 17);
        let expected = json!({
            "text": text,
            "html": format!(
                "😀 hi <span data-mention-id=\"{id}\" data-mention-name=\"Bob_Desc\" itemprop=\"mention\">@Bob_Desc</span> &amp; \
                 <span data-mention-name=\"ghost_user\" itemprop=\"mention\">@ghost_user</span> \
                 <span data-hashtag-name=\"rust\" itemprop=\"hashtag\">#rust</span> \
                 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; \
                 <a href=\"https://rust-lang.org\" rel=\"nofollow\">https://rust-lang.org</a> \
                 <a href=\"https://blog.example/\" rel=\"nofollow\">my blog</a>",
                id = bob.id
            ),
            "entities": {
                "mentions": [
                    {"name": "Bob_Desc", "id": bob.id, "pos": 5, "len": 9},
                    {"name": "ghost_user", "id": null, "pos": char_pos(text, "@ghost_user"), "len": 11}
                ],
                "hashtags": [{"name": "rust", "pos": char_pos(text, "#rust"), "len": 5}],
                "links": [
                    {"url": "https://rust-lang.org", "text": "https://rust-lang.org", "pos": char_pos(text, "https://"), "len": 21},
                    {"url": "https://blog.example/", "text": "my blog", "pos": blog, "len": 7}
                ]
            }
        });
        assert_eq!(patched["description"], expected);
        assert!(!patched["description"]["html"].as_str().unwrap_or_default().contains("<script>"));

        // Others read the same processed description.
        let seen = get_profile(&app, &format!("/v1/users/{}", alice.id), &bob.token).await;
        assert_eq!(seen["description"], expected);

        // Mentions are resolved when read: once @ghost_user exists, it has an id.
        let ghost = app.register("Ghost_User").await;
        let seen = get_profile(&app, "/v1/users/@alice_desc", &bob.token).await;
        assert_eq!(
            seen["description"]["entities"]["mentions"][1],
            json!({"name": "ghost_user", "id": ghost.id, "pos": 17, "len": 11})
        );
        let html = seen["description"]["html"].as_str().unwrap_or_default();
        assert!(html.contains(&format!("<span data-mention-id=\"{}\" data-mention-name=\"ghost_user\" itemprop=\"mention\">@ghost_user</span>", ghost.id)), "{html}");
        assert_eq!(seen["version"], 2, "resolving a mention is not a change");

        // An edit that leaves the description answers it resolved as now.
        let patched = patch_ok(&app, "/v1/users/me", &alice.token, &json!({"location": "Kraków"})).await;
        assert_eq!(patched["description"], seen["description"]);
        // One that changes it resolves the new text's mentions.
        let body = json!({"description": {"text": "ask @ghost_user or @nobody_here"}});
        let patched = patch_ok(&app, "/v1/users/me", &alice.token, &body).await;
        assert_eq!(
            patched["description"]["entities"]["mentions"],
            json!([{"name": "ghost_user", "id": ghost.id, "pos": 4, "len": 11},
                   {"name": "nobody_here", "id": null, "pos": 19, "len": 12}])
        );
    }

    async fn the_html_escapes_everything_but_its_own_markup(app) {
        let alice = app.register("alice_html").await;
        let text = "<b>bold</b> \"quoted\" & 'single' https://example.com/?a=1&b=2 @nobody_x #tag";
        let patched =
            patch_ok(&app, "/v1/users/me", &alice.token, &json!({"description": {"text": text}})).await;
        assert_eq!(
            patched["description"]["html"],
            format!(
                "&lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot; &amp; &#39;single&#39; \
                 <a href=\"https://example.com/?a=1&amp;b=2\" rel=\"nofollow\">https://example.com/?a=1&amp;b=2</a> \
                 <span data-mention-name=\"nobody_x\" itemprop=\"mention\">@nobody_x</span> \
                 <span data-hashtag-name=\"tag\" itemprop=\"hashtag\">#tag</span>"
            )
        );
        assert_eq!(patched["description"]["text"], text, "the text is kept as written");
        assert_eq!(
            patched["description"]["entities"]["links"],
            json!([
                {"url": "https://example.com/?a=1&b=2", "text": "https://example.com/?a=1&b=2", "pos": char_pos(text, "https://"), "len": 28}
            ])
        );
    }

    async fn user_specified_links_must_lie_inside_the_text(app) {
        let alice = app.register("alice_links").await;
        let url = "https://blog.example/";
        let links = |links: serde_json::Value| json!({"description": {"text": "🐢 my blog", "entities": {"links": links}}});
        let l0 = "description.entities.links[0]";
        let ok_link = |pos: usize, len: usize, text: &str| -> Outcome {
            Ok(("/description/entities/links", json!([{"url": url, "text": text, "pos": pos, "len": len}])))
        };
        let cases: Vec<(serde_json::Value, Outcome)> = vec![
            (links(json!([{"url": url, "pos": 5, "len": 4}])), ok_link(5, 4, "blog")),
            (links(json!([{"url": url, "text": "my blog", "pos": 2, "len": 7}])), ok_link(2, 7, "my blog")),
            (links(json!([{"url": url, "text": "🐢", "pos": 0, "len": 1}])), ok_link(0, 1, "🐢")),
            (links(json!([{"url": url, "pos": 0, "len": 9}])), ok_link(0, 9, "🐢 my blog")),
            (
                links(json!([{"url": url, "pos": 2, "len": 8}])),
                Err(("description.entities.links[0].len", "out_of_range")),
            ),
            (
                links(json!([{"url": url, "pos": 9, "len": 1}])),
                Err(("description.entities.links[0].pos", "out_of_range")),
            ),
            (
                links(json!([{"url": url, "pos": 12, "len": 1}])),
                Err(("description.entities.links[0].pos", "out_of_range")),
            ),
            (
                links(json!([{"url": url, "pos": -1, "len": 2}])),
                Err(("description.entities.links[0].pos", "out_of_range")),
            ),
            (
                links(json!([{"url": url, "pos": 0, "len": 0}])),
                Err(("description.entities.links[0].len", "out_of_range")),
            ),
            (
                links(json!([{"url": url, "text": "My blog", "pos": 2, "len": 7}])),
                Err(("description.entities.links[0].text", "text_mismatch")),
            ),
            (
                links(json!([{"url": "javascript:alert(1)", "pos": 2, "len": 7}])),
                Err(("description.entities.links[0].url", "invalid_url")),
            ),
            (
                links(json!([{"url": url, "pos": 2, "len": 4}, {"url": url, "pos": 5, "len": 4}])),
                Err(("description.entities.links[1]", "overlapping")),
            ),
            (
                links(json!([{"url": url, "pos": "2", "len": 4}])),
                Err(("description.entities.links[0].pos", "invalid_type")),
            ),
            (links(json!("my blog")), Err(("description.entities.links", "invalid_type"))),
            (links(json!([])), Ok(("/description/entities/links", json!([])))),
        ];
        let checked = check_cases(&app, &alice, "/v1/users/me", &cases).await;
        assert_eq!(checked, 15);

        let response = patch(&app, "/v1/users/me", &alice.token, &links(json!([{"pos": 2}]))).await;
        assert_invalid(response, &[(&format!("{l0}.url"), "required"), (&format!("{l0}.len"), "required")])
            .await;

        // Two links out of order are both kept, sorted by position, and rendered.
        let body = links(
            json!([{"url": "https://b.example", "pos": 5, "len": 4}, {"url": "https://a.example", "pos": 0, "len": 1}]),
        );
        let done = patch_ok(&app, "/v1/users/me", &alice.token, &body).await;
        assert_eq!(
            done["description"]["entities"]["links"],
            json!([
                {"url": "https://a.example/", "text": "🐢", "pos": 0, "len": 1},
                {"url": "https://b.example/", "text": "blog", "pos": 5, "len": 4}
            ])
        );
        assert_eq!(
            done["description"]["html"],
            format!(
                "<a href=\"https://a.example/\" rel=\"nofollow\">🐢</a> my <a href=\"https://b.example/\" rel=\"nofollow\">blog</a>"
            )
        );
    }
}
