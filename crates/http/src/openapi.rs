//! The OpenAPI vocabulary the handlers and DTOs refer to: path and header
//! parameters, the problem responses, and the documented shapes of request
//! bodies that are read as leniently-typed JSON (so that every bad field is
//! reported at once) and of values whose Rust types live in the domain.
//!
//! A leaf: it imports neither routes nor DTOs nor dialects. The document
//! itself is assembled in [`crate::docs`]. The shapes without a Rust type of
//! their own are uninhabited types whose schema is written out as JSON
//! Schema, rules included (required members, lengths, patterns, formats),
//! and `additionalProperties: false` where the service refuses other members.

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{IntoParams, IntoResponses, ToSchema};

use crate::problem::FieldProblem;

/// `{user}`.
#[derive(IntoParams)]
#[into_params(names("user"), parameter_in = Path)]
pub struct UserParam(
    /// A numeric id, `me` (the caller) or `@username`; anything else names no one (404).
    #[param(example = "me", pattern = r"^(me|@[A-Za-z0-9_]{3,20}|[0-9]{1,19})$")]
    pub String,
);

/// `If-Match`: `*`, or entity tags as the service writes them (`"3"`,
/// strong; a weak `W/"3"` never matches, since `If-Match` compares
/// strongly), separated by commas.
#[derive(IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
pub struct IfMatchParam(
    /// The version the change is based on (`"3"`), or `*`: 412 when it is stale.
    #[param(
        required = false,
        pattern = r#"^(\*|(W/)?"[0-9]{1,19}"( *, *(W/)?"[0-9]{1,19}")*)$"#,
        example = "\"3\""
    )]
    pub String,
);

/// A problem document (RFC 9457).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// What went wrong, for programs (see docs/errors.md).
    pub code: String,
    /// Every bad field (422 only).
    pub errors: Option<Vec<FieldProblem>>,
}

/// 422.
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "Invalid fields, every one named in `errors`",
    content_type = "application/problem+json"
)]
pub struct Invalid(#[to_schema] pub Problem);

/// 401.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "No valid token (`WWW-Authenticate: Bearer`)",
    content_type = "application/problem+json"
)]
pub struct Unauthorized(#[to_schema] pub Problem);

/// 403.
#[derive(IntoResponses)]
#[response(
    status = 403,
    description = "Not the owner, and no privilege to act for others",
    content_type = "application/problem+json"
)]
pub struct Forbidden(#[to_schema] pub Problem);

/// 404.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such user or object", content_type = "application/problem+json")]
pub struct NotFound(#[to_schema] pub Problem);

/// 400.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "The body is not valid JSON, or not a JSON object",
    content_type = "application/problem+json"
)]
pub struct Malformed(#[to_schema] pub Problem);

/// 400 for a query string.
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "`invalid_query`: the query string cannot be parsed (a parameter given twice, bytes that are not UTF-8)",
    content_type = "application/problem+json"
)]
pub struct BadQuery(#[to_schema] pub Problem);

/// 415.
#[derive(IntoResponses)]
#[response(
    status = 415,
    description = "The body is not declared as JSON",
    content_type = "application/problem+json"
)]
pub struct NotJson(#[to_schema] pub Problem);

/// 413.
#[derive(IntoResponses)]
#[response(
    status = 413,
    description = "The body is larger than the JSON limit (`server.json_limit`, 64 KiB by default)",
    content_type = "application/problem+json"
)]
pub struct TooLarge(#[to_schema] pub Problem);

/// 409.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "The username or email is taken (`duplicate`), or the change would leave no account \
        holding `users.manage` (`last_manager`)",
    content_type = "application/problem+json"
)]
pub struct Conflict(#[to_schema] pub Problem);

/// 429.
#[derive(IntoResponses)]
#[response(
    status = 429,
    description = "Over an abuse limit (`[limits]`: sign-ups per client address, username changes per \
        account and per client address)",
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds"))
)]
pub struct TooMany(#[to_schema] pub Problem);

/// 412.
#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "`If-Match` names a stale version; nothing changed",
    content_type = "application/problem+json"
)]
pub struct Stale(#[to_schema] pub Problem);

/// No control characters.
const PRINTABLE: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// No control characters but line breaks and tabs.
const PRINTABLE_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Declares an uninhabited documentation type named `$name` whose schema is
/// the JSON Schema `$schema` builds.
macro_rules! json_schema {
    ($(#[$meta:meta])* $name:ident = $schema:expr) => {
        $(#[$meta])*
        pub enum $name {}

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                $crate::openapi::schema_of($schema)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
        }
    };
}
pub(crate) use json_schema;

/// A JSON Schema written as a literal, as utoipa's model (the literals below
/// are checked by `every_written_schema_parses`).
pub(crate) fn schema_of(schema: Value) -> RefOr<Schema> {
    serde_json::from_value(schema).unwrap_or_else(|_| RefOr::T(Schema::default()))
}

/// Optional: the value, or `null` or a blank string, which clear it.
fn optional(schema: Value) -> Value {
    let description = schema["description"].clone();
    json!({"anyOf": [schema, {"type": "string", "maxLength": 0}, {"type": "null"}], "description": description})
}

/// The editable members, PUT's `required` ones among them when `replace`:
/// the same rules for PUT's [`ProfileReplacement`] and PATCH's
/// [`ProfileInput`]. `null` clears only the optional fields; the others
/// answer `null` with 422 `not_nullable`. Server-maintained members a GET
/// shows are accepted only unchanged, so they are `readOnly` here.
fn profile_input(replace: bool, description: &str, example: Value) -> Value {
    profile_members(replace, true, description, example)
}

/// The members of [`profile_input`]; other members are refused when
/// `strict`, else ignored (the dialects' leniency).
fn profile_members(replace: bool, strict: bool, description: &str, example: Value) -> Value {
    let text = |max: u32, what: &str| {
        optional(json!({"type": "string", "maxLength": max, "pattern": PRINTABLE, "description": what}))
    };
    let url = |host: Option<&str>, what: &str| {
        let mut schema = json!({"type": "string", "format": "uri", "maxLength": 2048, "description": what});
        if let Some(host) = host {
            schema["pattern"] = format!("^https?://((www|m|mobile)\\.)?{host}(/[^\\s]*)?$").into();
        }
        optional(schema)
    };
    // The dialects edit only the caller's own profile, whose address its
    // owner changes with `PUT /v1/users/me/email`: read-only there.
    let mut email = json!({"type": "string", "format": "email", "maxLength": 254,
        "description": "A valid address, unique ignoring case. Only unchanged, unless the caller holds \
            `users.manage` (the address is then unverified): its owner changes it with \
            `PUT /v1/users/me/email` (422 `use_email_change` otherwise)."});
    if !strict {
        email["readOnly"] = true.into();
    }
    let mut required = vec![];
    if replace {
        required = vec!["name", "description", "locale", "timezone"];
    }
    json!({
        "type": "object",
        "description": description,
        "additionalProperties": !strict,
        "required": required,
        "properties": {
            "username": {"type": "string", "minLength": 3, "maxLength": 20,
                "pattern": "^[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*$",
                "description": "3–20 of `[A-Za-z0-9_]`, not all digits, unique ignoring case."},
            "email": email,
            "name": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
                "description": "1–50 characters after trimming, no control characters."},
            "description": {"$ref": if strict {
                "#/components/schemas/DescriptionInput"
            } else {
                "#/components/schemas/LenientDescriptionInput"
            }},
            "location": text(100, "At most 100 characters, no control characters."),
            "country": {"type": ["string", "null"], "description": "ISO 3166-1 alpha-2 code (`PL`)."},
            "locale": {"type": "string", "maxLength": 64,
                // RFC 5646's grammar as the domain parses it (oxilangtag), `_` as well as `-`.
                "pattern": "^(?:(?:[A-Za-z]{2,3}(?:[-_][A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|[0-9]{3}))?(?:[-_](?:[A-Za-z][A-Za-z0-9]{4,7}|[0-9][A-Za-z0-9]{3,7}))*(?:[-_][0-9A-WYZa-wyz](?:[-_][A-Za-z0-9]{2,8})+)*(?:[-_][Xx](?:[-_][A-Za-z0-9]{1,8})+)?|[Xx](?:[-_][A-Za-z0-9]{1,8})+|art[-_]lojban|cel[-_]gaulish|en[-_]GB[-_]oed|i[-_]ami|i[-_]bnn|i[-_]default|i[-_]enochian|i[-_]hak|i[-_]klingon|i[-_]lux|i[-_]mingo|i[-_]navajo|i[-_]pwn|i[-_]tao|i[-_]tay|i[-_]tsu|no[-_]bok|no[-_]nyn|sgn[-_]BE[-_]FR|sgn[-_]BE[-_]NL|sgn[-_]CH[-_]DE|zh[-_]guoyu|zh[-_]hakka|zh[-_]min|zh[-_]min[-_]nan|zh[-_]xiang)$",
                "description": "A well-formed BCP 47 tag: language, then script, region, variants, extensions and \
                    private use if any (`en-US`, `zh-Hant-TW`); App.net's `en_US` too.", "examples": ["en-US"]},
            "timezone": {"type": "string", "description": "IANA time zone (`Europe/Warsaw`).", "examples": ["Europe/Warsaw"]},
            "birthdate": optional(json!({"type": "string", "format": "date",
                "description": "A date (or RFC 3339 date-time); at least 13 years ago."})),
            "gender": text(32, "`female`, `male`, `non_binary`, `prefer_not_to_say` or free text ≤ 32 characters."),
            "pronouns": text(40, "Free text, at most 40 characters after trimming, no control characters."),
            "website_url": url(None, "Absolute http(s) URL."),
            "twitter_url": url(Some("(twitter|x)\\.com"), "On twitter.com or x.com (`www.`, `m.` or `mobile.` in front allowed)."),
            "facebook_url": url(Some("facebook\\.com"), "On facebook.com (`www.`, `m.` or `mobile.` in front allowed)."),
            "instagram_url": url(Some("instagram\\.com"), "On instagram.com (`www.`, `m.` or `mobile.` in front allowed)."),
            "eth_address": optional(json!({"type": "string", "pattern": "^0x([0-9a-f]{40}|[0-9A-F]{40})$",
                "description": "`0x` and 40 hex digits in one case (a mixed-case address is accepted when it \
                    passes EIP-55)."})),
            "bank_account": optional(json!({"type": "string", "pattern": "^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]{11,30}$",
                "description": "An IBAN (its check digits must be right; spaces between groups are accepted too)."})),
            "is_creator": {"type": "boolean", "description": "Only with `profiles.write_any`."},
            "role": {"type": "string", "enum": ["user", "admin"], "examples": ["user"],
                "description": "Only with `users.manage`: `user` or `admin` (the built-in roles)."},
            "annotations": {"type": ["array", "null"], "maxItems": 20,
                "items": {"$ref": "#/components/schemas/AnnotationSchema"}, "description": "At most 20."},
            "id": {"type": "integer", "readOnly": true, "description": "As shown; only unchanged."},
            "version": {"type": "integer", "readOnly": true, "description": "As shown; only unchanged."},
            "created_at": {"type": "string", "format": "date-time", "readOnly": true, "description": "As shown; only unchanged."},
            "updated_at": {"type": "string", "format": "date-time", "readOnly": true, "description": "As shown; only unchanged."},
            "email_verified": {"type": "boolean", "readOnly": true, "description": "As shown; only unchanged."},
            "email_verified_at": {"type": ["string", "null"], "format": "date-time", "readOnly": true, "description": "As shown; only unchanged."},
                        "avatar_image": image_member(strict),
            "cover_image": image_member(strict)
        },
        "examples": [example]
    })
}

/// `avatar_image` / `cover_image` in an edit: as shown, with `alt` the one
/// editable member (the native API; the dialects ignore the whole object).
fn image_member(strict: bool) -> Value {
    if !strict {
        return json!({"type": "object", "readOnly": true, "description": "As shown; ignored."});
    }
    let shown = |schema: Value| {
        let mut schema = schema;
        schema["description"] = "As shown; only unchanged.".into();
        schema["readOnly"] = true.into();
        schema
    };
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "The image as shown, with `alt` the one member that may change: a string of at most \
            1,500 characters (line breaks and tabs allowed, no other control characters) sets it, `null` or a \
            blank string clears it, and setting one on the default image is 422 `no_image`. Absent in a PATCH \
            keeps it; absent from a present object in a PUT clears it; a PUT without the image member keeps it.",
        "properties": {
            "alt": {"type": ["string", "null"], "maxLength": 1500, "pattern": PRINTABLE_TEXT},
            "url": shown(json!({"type": "string"})),
            "width": shown(json!({"type": "integer"})),
            "height": shown(json!({"type": "integer"})),
            "is_default": shown(json!({"type": "boolean"}))
        }
    })
}

json_schema!(
    /// The editable profile, as PATCH merges it: any subset of the fields;
    /// `null` clears an optional field. The rules are those of SPEC §4.
    ProfileInput = profile_input(false,
        "The editable profile, as PATCH merges it: any subset of the fields; `null` clears an optional \
         field; other members are refused (422 `unknown_field`).",
        json!({"name": "Alice Smith", "location": "Warsaw", "country": "PL", "gender": null}))
);

json_schema!(
    /// The editable profile, as PUT replaces it: `name`, `locale`,
    /// `timezone` and `description` are required, absent optional fields
    /// are cleared. The rules are those of SPEC §4.
    ProfileReplacement = profile_input(true,
        "The editable profile, as PUT replaces it: `name`, `locale`, `timezone` and `description` are \
         required, absent optional fields are cleared; other members are refused (422 `unknown_field`).",
        json!({
            "name": "Alice Smith",
            "description": {"text": "Rust at #work, with @bob: https://example.com"},
            "locale": "en-US",
            "timezone": "Europe/Warsaw",
            "website_url": "https://example.com/alice",
            "birthdate": "1990-04-01",
            "annotations": [{"type": "net.app.core.directory.blog", "value": {"url": "https://example.com/blog"}}]
        }))
);

json_schema!(
    /// The editable profile as the dialects that take our members merge it
    /// (App.net's PATCH, with its `en_US` locales too, and mico's PUT):
    /// other members ignored.
    LenientProfileInput = profile_members(false, false,
        "The editable profile, as App.net's PATCH and mico's PUT merge it; other members are ignored.",
        json!({"name": "Alice Smith"}))
);

json_schema!(
    /// App.net's user object as its PUT replaces the members it names:
    /// `name`, `locale`, `timezone` and `description` required.
    LenientProfileReplacement = profile_members(true, false,
        "The editable profile, as App.net's PUT replaces the members it names: `name`, `locale`, `timezone` \
         and `description` are required; other members are ignored.",
        json!({"name": "Alice Smith", "description": {"text": "Hello"}, "locale": "en_US", "timezone": "Europe/Warsaw"}))
);

json_schema!(
    /// Dialect 000's edit body: our members, the name written
    /// `user_nickname` (`name` itself is not read), other members ignored.
    NicknameProfileInput = renamed(&[("name", "user_nickname")], false)
);

/// [`LenientProfileInput`] with each `(ours, theirs)` member renamed; with
/// `only`, no other member is read (so none is documented), and the
/// description is a plain string (`null`: none).
pub(crate) fn renamed(renames: &[(&str, &str)], only: bool) -> Value {
    let mut schema = profile_members(
        false,
        false,
        "The editable profile in the dialect's keys; other members are \
        ignored.",
        json!({}),
    );
    schema.as_object_mut().map(|o| o.remove("examples"));
    let Some(ours) = schema["properties"].as_object().cloned() else { return schema };
    let mut theirs = serde_json::Map::new();
    if !only {
        theirs = ours.clone();
    }
    for (our_key, their_key) in renames {
        theirs.remove(*our_key);
        let mut member = ours.get(*our_key).cloned().unwrap_or_default();
        if only && *our_key == "description" {
            member = json!({"type": ["string", "null"], "maxLength": 256, "pattern": PRINTABLE_TEXT,
                "description": "The description's text, as `description.text` natively."});
        }
        theirs.insert((*their_key).to_owned(), member);
    }
    schema["properties"] = Value::Object(theirs);
    schema
}

json_schema!(
    /// A description as sent, other members refused (the native API).
    DescriptionInput = description_input(true)
);

json_schema!(
    /// A description as sent, other members ignored (the dialects).
    LenientDescriptionInput = description_input(false)
);

/// A description as sent: `text` and its `entities.links`; members of its
/// own are refused when `strict`, else ignored, at every level, as
/// [`profile_members`] treats the profile's.
fn description_input(strict: bool) -> Value {
    let (title, others) = if strict {
        ("DescriptionInput", "other members are refused (422 `unknown_field`)")
    } else {
        ("LenientDescriptionInput", "other members are ignored")
    };
    json!({
        "type": "object",
        "title": title,
        "description": format!("A description as sent; {others}."),
        "required": ["text"],
        "additionalProperties": !strict,
        "properties": {
            "text": {"type": "string", "maxLength": 256, "pattern": PRINTABLE_TEXT,
                "description": "At most 256 characters, no control characters but line breaks and tabs; \
                    mentions, hashtags and links are found in it."},
            "entities": {"type": ["object", "null"], "additionalProperties": !strict,
                "description": "Links over parts of the text: `{links: [{url, text?, pos, len}]}`.",
                "properties": {"links": {"type": "array", "maxItems": 256, "items": {
                    "type": "object",
                    "additionalProperties": !strict,
                    "required": ["url", "pos", "len"],
                    "description": "A link over `len` characters of the text from `pos`: inside the text, \
                        not overlapping another link.",
                    "properties": {
                        "url": {"type": "string", "format": "uri", "maxLength": 2048, "pattern": "^https?://[^\\s]+$"},
                        "text": {"type": "string", "maxLength": 256},
                        "pos": {"type": "integer", "minimum": 0, "maximum": 255},
                        "len": {"type": "integer", "minimum": 1, "maximum": 256}
                    }}}}},
            "html": {"type": "string", "readOnly": true, "description": "As shown; only unchanged."}
        }
    })
}

json_schema!(
    /// An annotation.
    AnnotationSchema = json!({
        "type": "object",
        "description": "An annotation.",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+$",
                "description": "Reverse-DNS (dot-separated labels of `[A-Za-z0-9_-]`, at least two), at most 128 characters."},
            "value": {"type": "object", "description": "A JSON object of at most 8 KiB."}
        }
    })
);

json_schema!(
    /// The description as shown.
    DescriptionSchema = json!({
        "type": "object",
        "title": "Description",
        "description": "The description as shown.",
        "required": ["text", "html", "entities"],
        "properties": {
            "text": {"type": "string", "description": "As stored."},
            "html": {"type": "string", "description": "Escaped, with the entities marked up."},
            "entities": {
                "type": "object",
                "description": "Mentions, hashtags and links; positions and lengths in characters.",
                "required": ["mentions", "hashtags", "links"],
                "properties": {
                    "mentions": {"type": "array", "items": entity(&[("name", "string"), ("id", "integer?")])},
                    "hashtags": {"type": "array", "items": entity(&[("name", "string")])},
                    "links": {"type": "array", "items": entity(&[("text", "string"), ("url", "string")])}
                }
            }
        }
    })
);

/// An entity: `members` (a `?` after the type: nullable) with `pos` and `len`.
fn entity(members: &[(&str, &str)]) -> Value {
    let mut properties =
        json!({"pos": {"type": "integer", "minimum": 0}, "len": {"type": "integer", "minimum": 0}});
    let mut required = vec!["pos".to_owned(), "len".to_owned()];
    for (name, kind) in members {
        properties[*name] = match kind.strip_suffix('?') {
            Some(kind) => json!({"type": [kind, "null"]}),
            None => json!({"type": kind}),
        };
        required.push((*name).to_owned());
    }
    json!({"type": "object", "required": required, "properties": properties})
}

/// A multipart upload of one image in the field `field`, and no other field
/// (422 `unknown_field`).
pub fn image_upload(field: &str, what: &str) -> RefOr<Schema> {
    schema_of(image_upload_schema(field, what))
}

/// As [`image_upload`], with the optional text field `alt` beside the file
/// (the native API).
pub fn described_image_upload(field: &str, what: &str) -> RefOr<Schema> {
    let mut schema = image_upload_schema(field, what);
    schema["properties"]["alt"] = json!({"type": "string", "maxLength": 1500, "pattern": PRINTABLE_TEXT,
        "description": "What the image shows, for people who cannot see it: at most 1,500 characters, \
            line breaks and tabs allowed, no other control characters; blank or absent for none (a new upload \
            never keeps the previous image's alt text)."});
    schema_of(schema)
}

fn image_upload_schema(field: &str, what: &str) -> Value {
    json!({
        "type": "object",
        "required": [field],
        "additionalProperties": false,
        "properties": {field: {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream", "description": what}}
    })
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn every_written_schema_parses() {
        for schema in [
            profile_input(false, "", json!({})),
            profile_input(true, "", json!({})),
            renamed(&[("name", "user_nickname")], false),
            entity(&[("id", "integer?")]),
        ] {
            assert!(serde_json::from_value::<RefOr<Schema>>(schema.clone()).is_ok(), "{schema}");
        }
        for schema in [
            ProfileInput::schema(),
            ProfileReplacement::schema(),
            LenientProfileInput::schema(),
            LenientProfileReplacement::schema(),
            NicknameProfileInput::schema(),
            crate::dialects::creators_hub::CreatorsHubProfileInput::schema(),
            DescriptionInput::schema(),
            LenientDescriptionInput::schema(),
            DescriptionSchema::schema(),
            AnnotationSchema::schema(),
        ] {
            assert_ne!(
                serde_json::to_value(&schema).unwrap(),
                serde_json::to_value(RefOr::T(Schema::default())).unwrap()
            );
        }
    }
}
