use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::user::UserId;

fn link(url: &str, text: Option<&str>, pos: i64, len: i64) -> UserLinkInput {
    UserLinkInput { url: url.to_owned(), text: text.map(str::to_owned), pos, len }
}

type Errors = Vec<(String, &'static str)>;

fn check(text: &str, links: &[UserLinkInput]) -> Result<usize, Errors> {
    Description::new(text, links)
        .map(|d| d.user_links().len())
        .map_err(|e| e.into_iter().map(|e| (e.field.into_owned(), e.code.as_str())).collect())
}

fn err(field: &str, code: &'static str) -> Result<usize, Errors> {
    Err(vec![(field.to_owned(), code)])
}

#[test]
fn rules_table() {
    let max = "d".repeat(MAX_LEN);
    let over = "d".repeat(MAX_LEN + 1);
    let max_emoji = "🦀".repeat(MAX_LEN);
    let over_emoji = "🦀".repeat(MAX_LEN + 1);
    let l0 = "description.entities.links[0]";
    let url = "https://example.com/";
    let cases: Vec<(&str, Vec<UserLinkInput>, Result<usize, Errors>)> = vec![
        ("", vec![], Ok(0)),
        ("new description", vec![], Ok(0)),
        (&max, vec![], Ok(0)),
        (&over, vec![], err("description.text", "too_long")),
        (&max_emoji, vec![], Ok(0)),
        (&over_emoji, vec![], err("description.text", "too_long")),
        ("two\nlines\tand\r\n", vec![], Ok(0)),
        ("bell\u{7}", vec![], err("description.text", "control_characters")),
        ("nul\u{0}", vec![], err("description.text", "control_characters")),
        ("my blog", vec![link(url, Some("blog"), 3, 4)], Ok(1)),
        ("my blog", vec![link(url, None, 3, 4)], Ok(1)),
        ("my blog", vec![link(url, None, 0, 7)], Ok(1)),
        ("my blog", vec![link(url, None, 6, 1)], Ok(1)),
        ("my blog", vec![link(url, None, 6, 2)], err(&format!("{l0}.len"), "out_of_range")),
        ("my blog", vec![link(url, None, 7, 1)], err(&format!("{l0}.pos"), "out_of_range")),
        ("my blog", vec![link(url, None, -1, 2)], err(&format!("{l0}.pos"), "out_of_range")),
        ("my blog", vec![link(url, None, 0, 0)], err(&format!("{l0}.len"), "out_of_range")),
        ("", vec![link(url, None, 0, 1)], err(&format!("{l0}.pos"), "out_of_range")),
        ("żółw 🐢", vec![link(url, Some("🐢"), 5, 1)], Ok(1)),
        ("żółw 🐢", vec![link(url, Some("🐢"), 5, 2)], err(&format!("{l0}.len"), "out_of_range")),
        ("my blog", vec![link(url, Some("Blog"), 3, 4)], err(&format!("{l0}.text"), "text_mismatch")),
        ("my blog", vec![link("ftp://example.com", None, 3, 4)], err(&format!("{l0}.url"), "invalid_url")),
        ("my blog", vec![link("javascript:alert(1)", None, 3, 4)], err(&format!("{l0}.url"), "invalid_url")),
        (
            "my blog",
            vec![link(url, None, 0, 4), link(url, None, 3, 4)],
            err("description.entities.links[1]", "overlapping"),
        ),
        ("my blog", vec![link(url, None, 3, 4), link(url, None, 0, 3)], Ok(2)),
    ];
    for (text, links, expected) in cases {
        assert_eq!(check(text, &links), expected, "{text:?} {links:?}");
    }
}

#[test]
fn every_error_is_collected() {
    let over = "d".repeat(MAX_LEN + 1);
    let links = [link("nope", None, 0, 1), link("https://a.example", None, 9999, 1)];
    let got = check(&over, &links).unwrap_err();
    assert_eq!(
        got,
        [
            ("description.text".to_owned(), "too_long"),
            ("description.entities.links[0].url".to_owned(), "invalid_url"),
            ("description.entities.links[1].pos".to_owned(), "out_of_range"),
        ]
    );
}

#[test]
fn renders_entities_as_marked_up_escaped_html() {
    let text = "Hi @Alice & @bob: see <b>#Rust</b> at https://rust-lang.org, my blog";
    let links = [link("https://blog.example/", Some("my blog"), 61, 7)];
    let description = Description::new(text, &links).unwrap();
    assert_eq!(description.mentioned_names(), ["alice", "bob"]);
    let lookup = HashMap::from([("alice".to_owned(), UserId(7))]);
    let rendered = description.render(&lookup);
    assert_eq!(
        rendered.html,
        concat!(
            r#"Hi "#,
            r#"<span data-mention-id="7" data-mention-name="Alice" itemprop="mention">@Alice</span> &amp; "#,
            r#"<span data-mention-name="bob" itemprop="mention">@bob</span>: see &lt;b&gt;"#,
            r#"<span data-hashtag-name="Rust" itemprop="hashtag">#Rust</span>&lt;/b&gt; at "#,
            r#"<a href="https://rust-lang.org" rel="nofollow">https://rust-lang.org</a>, "#,
            r#"<a href="https://blog.example/" rel="nofollow">my blog</a>"#,
        )
    );
    let e = &rendered.entities;
    assert_eq!(
        e.mentions,
        [
            Mention { name: "Alice".into(), id: Some(7), pos: 3, len: 6 },
            Mention { name: "bob".into(), id: None, pos: 12, len: 4 },
        ]
    );
    assert_eq!(e.hashtags, [Hashtag { name: "Rust".into(), pos: 25, len: 5 }]);
    assert_eq!(
        e.links,
        [
            Link {
                url: "https://rust-lang.org".into(),
                text: "https://rust-lang.org".into(),
                pos: 38,
                len: 21
            },
            Link { url: "https://blog.example/".into(), text: "my blog".into(), pos: 61, len: 7 },
        ]
    );
}

#[test]
fn positions_count_characters_not_bytes() {
    let rendered = Description::try_from("żółć 🐢 @zoe #żółw").unwrap().render(&());
    assert_eq!(rendered.entities.mentions[0].pos, 7);
    assert_eq!(rendered.entities.hashtags[0], Hashtag { name: "żółw".into(), pos: 12, len: 5 });
}

#[test]
fn quotes_and_ampersands_are_escaped_everywhere() {
    let text = r#"it's "quoted" <a href='x'> https://x.example/?a=1&b=2"#;
    let rendered = Description::try_from(text).unwrap().render(&());
    assert_eq!(
        rendered.html,
        concat!(
            r#"it&#39;s &quot;quoted&quot; "#,
            r#"&lt;a href=&#39;x&#39;&gt; <a href="https://x.example/?a=1&amp;b=2" rel="nofollow">"#,
            r#"https://x.example/?a=1&amp;b=2</a>"#,
        )
    );
    let empty = Description::default().render(&());
    assert_eq!(empty.html, "");
    assert_eq!(empty.entities, Entities::default());
}

/// Removes the tags rendering adds (their attribute values are escaped, so
/// the first `>` ends each) and undoes the escaping; must give the text back.
fn strip_markup(html: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag_len = rest[open..].find('>')? + 1;
        let tag = &rest[open..open + tag_len];
        let ours = ["<span ", "</span>", "<a href=\"", "</a>"].iter().any(|p| tag.starts_with(p));
        if !ours {
            return None;
        }
        rest = &rest[open + tag_len..];
    }
    out.push_str(rest);
    if out.contains('>') || out.contains('"') {
        return None;
    }
    Some(
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

fn text_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("@alice".to_owned()),
        Just("#tag".to_owned()),
        Just("https://example.com/a?b=<c>&d='e'".to_owned()),
        Just("http://x.y".to_owned()),
        Just("<script>".to_owned()),
        Just("&amp;".to_owned()),
        Just("\"".to_owned()),
        Just("🦀".to_owned()),
        Just(" ".to_owned()),
        "[@#<>&'\"a-z0-9_:/. ]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn processing_never_panics_and_stays_inside_the_text(
        text in text_strategy(),
        raw_links in prop::collection::vec((0i64..1000, -1i64..12), 0..4),
    ) {
        // Positions from -1 to one past the end, so some links fit and some do not.
        let span = i64::try_from(text.chars().count()).unwrap() + 2;
        let links: Vec<UserLinkInput> = raw_links
            .iter()
            .map(|(pos, len)| link("https://u.example/", None, pos % span - 1, *len))
            .collect();
        let with_links = Description::new(&text, &links);
        let description = with_links
            .clone()
            .or_else(|_| Description::new(&text, &[]))
            .or_else(|_| Description::try_from(""));
        prop_assert!(description.is_ok());
        let description = description.unwrap();
        let lookup = HashMap::from([("alice".to_owned(), UserId(1))]);
        let rendered = description.render(&lookup);
        let count = description.text().chars().count();
        let e = &rendered.entities;
        let spans = e.mentions.iter().map(|m| (m.pos, m.len))
            .chain(e.hashtags.iter().map(|h| (h.pos, h.len)))
            .chain(e.links.iter().map(|l| (l.pos, l.len)));
        for (pos, len) in spans {
            prop_assert!(len >= 1 && pos + len <= count, "{pos}+{len} > {count}");
        }
        prop_assert_eq!(strip_markup(&rendered.html), Some(description.text().to_owned()));
        if with_links.is_ok() {
            for input in &links {
                let shown = e.links.iter().any(|l| Some((l.pos, l.len)) == usize::try_from(input.pos).ok().zip(usize::try_from(input.len).ok()));
                prop_assert!(shown, "user link {input:?} missing from {:?}", e.links);
            }
        }
    }
}
