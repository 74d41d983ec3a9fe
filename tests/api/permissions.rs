//! The permission matrix (issue 11): every route, native and dialect, asked
//! by each kind of caller — anonymous (no token), the owner (the target
//! user's own token), another ordinary user, and an admin (`profiled admin
//! create`: `profiles.read_private`, `profiles.write_any`, `users.manage`).
//!
//! Each cell is one real request. It holds the expected status and, where
//! the response is a profile, whether the private fields (`email`) are in
//! it. Error cells are also checked for the route's own error envelope
//! (RFC 9457 problem or the dialect's), and 401s for `WWW-Authenticate`.
//! Every mismatch is collected and the whole matrix printed before failing.
//!
//! Each row gets a fresh target user, so a write in one row cannot change
//! what a later row sees. Rows that spend the callers' sessions (password
//! change, ending other sessions, log-out) come last. Renames are left out
//! (rate-limited), and so is an admin demoting themselves (the last
//! `users.manage` holder: 409), and `DELETE /v1/users/me`, which would delete
//! the cast itself (tests/api/account_deletion.rs covers it).

use std::fmt::Write as _;

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::support::helpers::{PASSWORD, TestApp, TestUser, header};
use crate::support::image_helpers::{BLUE, RED, jpeg, picture, red_middle, upload};

/// The callers, one per column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Owner,
    Other,
    Admin,
}

const COLUMNS: [Who; 4] = [Who::Anonymous, Who::Owner, Who::Other, Who::Admin];

impl Who {
    fn label(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::Owner => "owner",
            Who::Other => "other",
            Who::Admin => "admin",
        }
    }
}

/// What a cell expects: a status, and for profile responses whether the
/// private fields are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// This status; the body's private fields are not looked at.
    Status(u16),
    /// This status with a profile whose private fields are present.
    Private(u16),
    /// This status with a profile whose private fields are absent.
    Public(u16),
}

/// Status only.
const fn s(status: u16) -> Cell {
    Cell::Status(status)
}

/// Status, private fields shown.
const fn p(status: u16) -> Cell {
    Cell::Private(status)
}

/// Status, private fields hidden.
const fn h(status: u16) -> Cell {
    Cell::Public(status)
}

impl Cell {
    fn status(self) -> u16 {
        match self {
            Cell::Status(status) | Cell::Private(status) | Cell::Public(status) => status,
        }
    }

    fn shows_private(self) -> Option<bool> {
        match self {
            Cell::Status(_) => None,
            Cell::Private(_) => Some(true),
            Cell::Public(_) => Some(false),
        }
    }

    fn describe(self) -> String {
        match self {
            Cell::Status(status) => status.to_string(),
            Cell::Private(status) => format!("{status}+private"),
            Cell::Public(status) => format!("{status}-private"),
        }
    }
}

/// The shape of an error response on a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Envelope {
    /// RFC 9457 `application/problem+json` with the status in `status`.
    Problem,
    /// Dialect 000: `{"message": …}`.
    Nickname,
    /// Dialect 001: `{"statusCode": …, "error", "message", "code"}`.
    CreatorsHub,
    /// Dialect 002: `{"responses": {"code": …, "isError": true, …}}`.
    Mico,
    /// Dialect 003: `{"meta": {"code": …, "error_slug": …}}`, no `data`.
    AppDotNet,
}

/// A request body.
#[derive(Debug, Clone)]
enum Body {
    None,
    /// `application/json`.
    Json(Value),
    /// `application/merge-patch+json`.
    MergePatch(Value),
    /// `multipart/form-data` with a JPEG in this field.
    Upload(&'static str),
    /// `multipart/form-data` with text that is no image in this field.
    NotAnImage(&'static str),
    /// A sign-up with a username unique to the cell.
    SignUp,
    /// The target's login.
    LogIn,
    /// A password change from [`PASSWORD`].
    Password,
}

/// Where the token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// `Authorization: Bearer …`.
    Bearer,
    /// `Authentication: …` (dialect 002).
    Authentication,
}

/// Which listener answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    Public,
    Operations,
}

/// One route (method, path template, body) and its expectations per column.
///
/// In `path`, `{id}` is the target's id, `{name}` their username and
/// `{key}` the media key of an uploaded image.
#[derive(Debug, Clone)]
struct Row {
    method: Method,
    path: &'static str,
    body: Body,
    auth: Auth,
    listener: Listener,
    envelope: Envelope,
    /// JSON pointers to the private fields in a profile response: all
    /// there (not null) when shown, none when hidden. Every user of the
    /// matrix has a birthdate and a bank account, so none is null by itself.
    private: &'static [&'static str],
    cells: [Cell; 4],
    /// Extra request headers.
    headers: &'static [(&'static str, &'static str)],
    /// Why a cell is what it is, when that is not obvious.
    note: &'static str,
}

fn row(method: Method, path: &'static str, cells: [Cell; 4]) -> Row {
    Row {
        method,
        path,
        body: Body::None,
        auth: Auth::Bearer,
        listener: Listener::Public,
        envelope: Envelope::Problem,
        private: NATIVE_PRIVATE,
        cells,
        headers: &[],
        note: "",
    }
}

impl Row {
    fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    fn merge(mut self, body: Value) -> Self {
        self.body = Body::MergePatch(body);
        self
    }

    fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    fn envelope(mut self, envelope: Envelope) -> Self {
        self.envelope = envelope;
        self
    }

    fn private_at(mut self, pointers: &'static [&'static str]) -> Self {
        self.private = pointers;
        self
    }

    fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    fn operations(mut self) -> Self {
        self.listener = Listener::Operations;
        self
    }

    fn note(mut self, note: &'static str) -> Self {
        self.note = note;
        self
    }
}

const GET: Method = Method::GET;
const HEAD: Method = Method::HEAD;
const PUT: Method = Method::PUT;
const PATCH: Method = Method::PATCH;
const POST: Method = Method::POST;
const DELETE: Method = Method::DELETE;

/// The private fields of a native profile (and of dialect 000's).
const NATIVE_PRIVATE: &[&str] = &["/email", "/birthdate", "/bank_account"];
/// Dialect 001's private fields in a read, and in an update's answer.
const HUB_READ_PRIVATE: &[&str] = &["/profile/user/email", "/profile/bankAccount"];
const HUB_UPDATE_PRIVATE: &[&str] = &["/updatedProfile/user/email", "/updatedProfile/bankAccount"];

/// The private fields every user of the matrix gets, so that each one's
/// presence says something.
fn private_fields() -> Value {
    json!({"birthdate": "1990-01-31", "bank_account": "DE44 5001 0517 5407 3249 31"})
}

/// A full native `PUT` body: the required fields and the private ones
/// (which a `PUT` without them would clear).
fn native_put() -> Value {
    let mut body =
        json!({"name": "Matrix Row", "locale": "en", "timezone": "UTC", "description": {"text": "matrix"}});
    body.as_object_mut().expect("object").extend(private_fields().as_object().expect("object").clone());
    body
}

/// An App.net `PUT /stream/0/users/me` body.
fn appdotnet_put() -> Value {
    json!({"name": "Matrix Row", "locale": "en", "timezone": "UTC", "description": {"text": "matrix"}})
}

/// Every route. Statuses: 401 without a token where one is needed, 403 for
/// another user's profile without `profiles.write_any` (or for a field
/// needing a privilege), 302 for image redirects, 404/405 for what no route
/// answers.
fn matrix() -> Vec<Row> {
    use Envelope::{AppDotNet, CreatorsHub, Mico, Nickname};
    let mut rows = vec![
        // ------------------------------------------------------------ accounts and sessions
        row(POST, "/v1/accounts", [s(201); 4]).body(Body::SignUp).note("open sign-up, token or not"),
        row(POST, "/v1/sessions", [s(201); 4]).body(Body::LogIn).note("the target's credentials"),
        // ------------------------------------------------------------ native profile reads
        row(GET, "/v1/users/{id}", [s(401), p(200), h(200), p(200)]),
        row(GET, "/v1/users/@{name}", [s(401), p(200), h(200), p(200)]),
        row(GET, "/v1/users/me", [s(401), p(200), p(200), p(200)]).note("me = each caller's own profile"),
        row(GET, "/v1/users/{id}?include_annotations=1", [s(401), p(200), h(200), p(200)]),
        row(HEAD, "/v1/users/{id}", [s(401), s(200), s(200), s(200)]),
        row(GET, "/v1/users/{id}", [s(401), s(304), s(304), s(304)])
            .headers(&[("if-none-match", "\"2\"")])
            .note("the current version: 304 only with a token"),
        row(GET, "/v1/users/999999999", [s(401), s(404), s(404), s(404)]).note("no such user"),
        row(GET, "/v1/users/{id}/annotations", [s(401), s(200), s(200), s(200)]),
        row(GET, "/v1/users/@{name}/annotations", [s(401), s(200), s(200), s(200)]),
        row(GET, "/v1/users/me/annotations", [s(401), s(200), s(200), s(200)]),
        // ------------------------------------------------------------ native profile writes
        row(PUT, "/v1/users/{id}", [s(401), p(200), s(403), p(200)]).json(native_put()),
        row(PUT, "/v1/users/@{name}", [s(401), p(200), s(403), p(200)]).json(native_put()),
        row(PUT, "/v1/users/me", [s(401), p(200), p(200), p(200)]).json(native_put()),
        row(PATCH, "/v1/users/{id}", [s(401), p(200), s(403), p(200)]).merge(json!({"location": "Matrix"})),
        row(PATCH, "/v1/users/@{name}", [s(401), p(200), s(403), p(200)])
            .merge(json!({"location": "Matrix"})),
        row(PATCH, "/v1/users/me", [s(401), p(200), p(200), p(200)]).merge(json!({"location": "Matrix"})),
        row(PATCH, "/v1/users/{id}", [s(401), p(200), s(403), p(200)])
            .merge(json!({}))
            .note("an empty change: owner or profiles.write_any"),
        row(PATCH, "/v1/users/{id}", [s(401), s(403), s(403), p(200)])
            .merge(json!({"is_creator": true}))
            .note("is_creator: profiles.write_any only"),
        row(PATCH, "/v1/users/{id}", [s(401), s(403), s(403), p(200)])
            .merge(json!({"role": "admin"}))
            .note("role: users.manage only"),
        row(PATCH, "/v1/users/{id}", [s(401), p(200), s(403), p(200)])
            .merge(json!({"role": "user", "is_creator": false}))
            .note("role/is_creator set to their current value: owner or profiles.write_any"),
        // Who may not write gets 403 whatever If-Match says (RFC 9110 §13.2.1:
        // preconditions count only when the answer would otherwise be 2xx).
        row(PATCH, "/v1/users/{id}", [s(401), s(412), s(403), s(412)])
            .merge(json!({"location": "Matrix"}))
            .headers(&[("if-match", "\"1\"")])
            .note("a stale If-Match: 412, but 403 for who may not write"),
        row(PATCH, "/v1/users/{id}", [s(401), p(200), s(403), p(200)])
            .merge(json!({"birthdate": "1990-01-31"}))
            .headers(&[("if-match", "\"2\"")])
            .note("the current version in If-Match (the change changes nothing: it stays current)"),
        // The body is parsed (and a bad field reported) before authorization,
        // so the other user gets 422, not 403. Nothing about the target
        // shows (the rules checked here depend only on the body), so this is
        // kept as the service's order, not counted as a leak.
        row(PATCH, "/v1/users/{id}", [s(401), s(422), s(422), s(422)])
            .merge(json!({"gender": "x".repeat(40)}))
            .note("an invalid field: parsed before authorization"),
        row(PATCH, "/v1/users/999999999", [s(401), s(404), s(404), s(404)])
            .merge(json!({"location": "Matrix"})),
    ];
    // ---------------------------------------------------------------- native images
    for kind in ["avatar", "cover"] {
        let path = |template: &str| -> &'static str { leak(template.replace("KIND", kind)) };
        let upload = Body::Upload(kind);
        rows.extend([
            row(GET, path("/v1/users/{id}/KIND"), [s(302); 4]).note("image redirects are public"),
            row(GET, path("/v1/users/@{name}/KIND"), [s(302); 4]),
            row(GET, path("/v1/users/me/KIND"), [s(401), s(302), s(302), s(302)]),
            row(HEAD, path("/v1/users/{id}/KIND"), [s(302); 4]),
            row(POST, path("/v1/users/{id}/KIND"), [s(401), p(200), s(403), p(200)]).body(upload.clone()),
            row(POST, path("/v1/users/@{name}/KIND"), [s(401), p(200), s(403), p(200)]).body(upload.clone()),
            row(POST, path("/v1/users/me/KIND"), [s(401), p(200), p(200), p(200)]).body(upload.clone()),
            row(POST, path("/v1/users/{id}/KIND"), [s(401), s(415), s(403), s(415)])
                .body(Body::NotAnImage(kind))
                .note("authorization before the bytes are looked at"),
            row(DELETE, path("/v1/users/{id}/KIND"), [s(401), p(200), s(403), p(200)]),
            row(DELETE, path("/v1/users/@{name}/KIND"), [s(401), p(200), s(403), p(200)]),
            row(DELETE, path("/v1/users/me/KIND"), [s(401), p(200), p(200), p(200)]),
        ]);
    }
    rows.extend([
        // ------------------------------------------------------------ media, operations, docs
        row(GET, "/media/{key}", [s(200); 4]).note("content-addressed, public"),
        row(HEAD, "/media/{key}", [s(200); 4]),
        row(GET, "/media/default/avatar.png", [s(200); 4]),
        row(GET, "/media/default/cover.png", [s(200); 4]),
        row(GET, "/healthz", [s(200); 4]),
        row(GET, "/readyz", [s(200); 4]),
        row(GET, "/openapi.json", [s(200); 4]),
        row(GET, "/docs", [s(308); 4]),
        row(GET, "/docs/", [s(200); 4]),
        row(GET, "/metrics", [s(401); 4]).note("public listener with metrics.token set: only that token"),
        row(GET, "/metrics", [s(200); 4]).operations().note("operators' listener"),
        row(GET, "/healthz", [s(200); 4]).operations(),
        row(GET, "/readyz", [s(200); 4]).operations(),
        row(GET, "/v1/nothing-here", [s(404); 4]),
        // ------------------------------------------------------------ webhooks (users.manage)
        row(GET, "/v1/webhooks", [s(401), s(403), s(403), s(200)]),
        row(POST, "/v1/webhooks", [s(401), s(403), s(403), s(422)])
            .json(json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}))
            .note("a loopback target: forbidden_target"),
        row(GET, "/v1/webhooks/999999999", [s(401), s(403), s(403), s(404)]),
        row(DELETE, "/v1/webhooks/999999999", [s(401), s(403), s(403), s(404)]),
        row(GET, "/v1/webhooks/999999999/deliveries", [s(401), s(403), s(403), s(404)]),
        row(POST, "/v1/webhooks/999999999/deliveries/1/redeliver", [s(401), s(403), s(403), s(404)]),
        row(POST, "/v1/users/{id}", [s(405); 4]),
        // ------------------------------------------------------------ account deletion and sessions
        row(DELETE, "/v1/users/{id}", [s(401), s(422), s(403), s(204)])
            .note("one's own needs current_password; users.manage needs none"),
        row(DELETE, "/v1/users/@{name}", [s(401), s(204), s(403), s(404)])
            .json(json!({"current_password": PASSWORD}))
            .note("the owner deletes it; then the admin finds nothing"),
        row(DELETE, "/v1/users/999999999", [s(401), s(403), s(403), s(404)]),
        row(GET, "/v1/users/me/sessions", [s(401), s(200), s(200), s(200)]),
        row(DELETE, "/v1/users/me/sessions/999999999", [s(401), s(404), s(404), s(404)])
            .note("no such session of the caller's"),
        // ------------------------------------------------------------ dialect 000 (nickname)
        row(GET, "/v1/user/profile/{id}", [s(401), p(200), h(200), p(200)]).envelope(Nickname),
        row(GET, "/v1/user/profile?user_seq={id}", [s(401), p(200), h(200), p(200)]).envelope(Nickname),
        row(HEAD, "/v1/user/profile/{id}", [s(401), s(200), s(200), s(200)]).envelope(Nickname),
        row(GET, "/v1/user/profile", [s(401), p(200), p(200), p(200)])
            .envelope(Nickname)
            .note("no user_seq = the caller's own"),
        row(POST, "/v1/user/profile/edit", [s(401), p(200), p(200), p(200)])
            .envelope(Nickname)
            .json(json!({"user_nickname": "Matrix Nick"}))
            .note("always the caller's own"),
        // ------------------------------------------------------------ dialect 001 (Creators Hub)
        row(GET, "/api/public/user/{id}/info", [s(401), p(200), h(200), p(200)])
            .envelope(CreatorsHub)
            .private_at(HUB_READ_PRIVATE),
        row(GET, "/api/public/user/@{name}/info", [s(401), p(200), h(200), p(200)])
            .envelope(CreatorsHub)
            .private_at(HUB_READ_PRIVATE),
        row(HEAD, "/api/public/user/{id}/info", [s(401), s(200), s(200), s(200)]).envelope(CreatorsHub),
        row(GET, "/api/public/user/me/info", [s(401), p(200), p(200), p(200)])
            .envelope(CreatorsHub)
            .private_at(HUB_READ_PRIVATE),
        row(PUT, "/api/public/user/{id}/info", [s(401), p(200), s(403), p(200)])
            .envelope(CreatorsHub)
            .private_at(HUB_UPDATE_PRIVATE)
            .json(json!({"location": "Matrix"})),
        row(PUT, "/api/public/user/me/info", [s(401), p(200), p(200), p(200)])
            .envelope(CreatorsHub)
            .private_at(HUB_UPDATE_PRIVATE)
            .json(json!({"location": "Matrix"})),
        row(PUT, "/api/public/user/{id}/info", [s(401), s(403), s(403), p(200)])
            .envelope(CreatorsHub)
            .private_at(HUB_UPDATE_PRIVATE)
            .json(json!({"isCreator": true}))
            .note("isCreator: profiles.write_any only"),
        // The same order as the native PATCH above.
        row(PUT, "/api/public/user/{id}/info", [s(401), s(412), s(403), s(412)])
            .envelope(CreatorsHub)
            .headers(&[("if-match", "\"1\"")])
            .json(json!({"location": "Matrix"}))
            .note("a stale If-Match: 412, but 403 for who may not write"),
        // ------------------------------------------------------------ dialect 002 (mico)
        row(PUT, "/v1/users/profile", [s(401), s(200), s(200), s(200)])
            .envelope(Mico)
            .auth(Auth::Authentication)
            .json(json!({"gender": "female"}))
            .note("Authentication header; always the caller's own"),
        row(PUT, "/v1/users/profile", [s(401), s(200), s(200), s(200)])
            .envelope(Mico)
            .json(json!({"gender": "female"}))
            .note("Bearer works too"),
        // ------------------------------------------------------------ dialect 003 (App.net)
        row(PUT, "/stream/0/users/me", [s(401), s(200), s(200), s(200)])
            .envelope(AppDotNet)
            .json(appdotnet_put()),
        row(PATCH, "/stream/0/users/me", [s(401), s(200), s(200), s(200)])
            .envelope(AppDotNet)
            .json(json!({"name": "Matrix Patch"})),
        // "Retrieve a User" (issue 12): the native read's rules; the App.net
        // user object has no private field, whoever asks.
        row(GET, "/stream/0/users/{id}", [s(401), h(200), h(200), h(200)]).envelope(AppDotNet),
        row(GET, "/stream/0/users/@{name}", [s(401), h(200), h(200), h(200)]).envelope(AppDotNet),
        row(GET, "/stream/0/users/me", [s(401), h(200), h(200), h(200)]).envelope(AppDotNet),
        row(HEAD, "/stream/0/users/{id}", [s(401), s(200), s(200), s(200)]).envelope(AppDotNet),
        row(GET, "/stream/0/users/999999999", [s(401), s(404), s(404), s(404)]).envelope(AppDotNet),
        row(GET, "/stream/0/users?ids={id},999999999", [s(401), h(200), h(200), h(200)])
            .envelope(AppDotNet)
            .note("Retrieve multiple Users: unknown ids left out"),
        row(PUT, "/stream/0/users/{id}", [s(405); 4])
            .envelope(AppDotNet)
            .note("App.net writes only users/me"),
    ]);
    for kind in ["avatar", "cover"] {
        let path = |template: &str| -> &'static str { leak(template.replace("KIND", kind)) };
        let upload = Body::Upload(kind);
        rows.extend([
            row(GET, path("/stream/0/users/{id}/KIND"), [s(302); 4]).envelope(AppDotNet),
            row(GET, path("/stream/0/users/me/KIND"), [s(401), s(302), s(302), s(302)]).envelope(AppDotNet),
            row(HEAD, path("/stream/0/users/{id}/KIND"), [s(302); 4]).envelope(AppDotNet),
            row(POST, path("/stream/0/users/me/KIND"), [s(401), s(200), s(200), s(200)])
                .envelope(AppDotNet)
                .body(upload.clone()),
            row(POST, path("/stream/0/users/{id}/KIND"), [s(401), s(200), s(403), s(200)])
                .envelope(AppDotNet)
                .body(upload.clone()),
            row(DELETE, path("/stream/0/users/{id}/KIND"), [s(405); 4]).envelope(AppDotNet),
        ]);
    }
    // ---------------------------------------------------------------- last: they spend the callers' sessions
    rows.extend([
        row(PUT, "/v1/users/me/password", [s(401), s(204), s(204), s(204)])
            .body(Body::Password)
            .note("each caller's own password; the current session stays"),
        row(DELETE, "/v1/users/me/sessions", [s(401), s(204), s(204), s(204)])
            .note("each caller's other sessions; this one stays"),
        row(DELETE, "/v1/sessions/current", [s(401), s(204), s(204), s(204)])
            .note("each caller's own session"),
    ]);
    rows
}

/// A `'static` path for the table (a test's worth of short strings).
fn leak(path: String) -> &'static str {
    Box::leak(path.into_boxed_str())
}

/// The fixed cast of a matrix run.
struct Cast {
    other: TestUser,
    admin: TestUser,
    /// The key of an uploaded image, for `/media/{key}`.
    media_key: String,
    /// An avatar to upload (300×100 JPEG).
    avatar: Vec<u8>,
    /// A cover to upload (960×320 JPEG: covers are at least 960 px wide).
    cover: Vec<u8>,
}

/// What one cell got.
struct Got {
    status: u16,
    /// Whether the private field was there (profile bodies only).
    private: Option<bool>,
    /// What else was wrong (envelope, headers).
    problems: Vec<String>,
}

impl Got {
    fn describe(&self) -> String {
        let mut text = self.status.to_string();
        match self.private {
            Some(true) => text.push_str("+private"),
            Some(false) => text.push_str("-private"),
            None => {}
        }
        text
    }
}

async fn give_private_fields(app: &TestApp, user: &TestUser) {
    let response = app
        .request(Method::PATCH, "/v1/users/me", Some(&user.token))
        .header("content-type", "application/merge-patch+json")
        .body(private_fields().to_string())
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200, "giving {} a birthdate and a bank account", user.username);
}

fn fill(template: &str, target: &TestUser, cast: &Cast) -> String {
    template
        .replace("{id}", &target.id.to_string())
        .replace("{name}", &target.username)
        .replace("{key}", &cast.media_key)
}

async fn send_cell(app: &TestApp, row: &Row, who: Who, target: &TestUser, cast: &Cast, cell_id: &str) -> Got {
    let base = match row.listener {
        Listener::Public => &app.address,
        Listener::Operations => &app.operations,
    };
    let url = format!("{base}{}", fill(row.path, target, cast));
    let token = match who {
        Who::Anonymous => None,
        Who::Owner => Some(target.token.as_str()),
        Who::Other => Some(cast.other.token.as_str()),
        Who::Admin => Some(cast.admin.token.as_str()),
    };
    let mut request: RequestBuilder = app.client.request(row.method.clone(), url);
    if let Some(token) = token {
        request = match row.auth {
            Auth::Bearer => request.bearer_auth(token),
            Auth::Authentication => request.header("Authentication", token),
        };
    }
    request = match &row.body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::MergePatch(body) => request
            .header("content-type", "application/merge-patch+json")
            .body(serde_json::to_vec(body).expect("serializable body")),
        Body::Upload(field) => {
            let bytes = if *field == "cover" { cast.cover.clone() } else { cast.avatar.clone() };
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name("picture.jpg")
                .mime_str("image/jpeg")
                .expect("valid mime");
            request.multipart(reqwest::multipart::Form::new().part((*field).to_owned(), part))
        }
        Body::NotAnImage(field) => {
            let part = reqwest::multipart::Part::bytes(b"no picture here".to_vec())
                .file_name("picture.jpg")
                .mime_str("image/jpeg")
                .expect("valid mime");
            request.multipart(reqwest::multipart::Form::new().part((*field).to_owned(), part))
        }
        Body::SignUp => {
            let username = format!("signup_{cell_id}");
            request.json(&json!({
                "username": username, "email": format!("{username}@example.com"), "password": PASSWORD
            }))
        }
        Body::LogIn => request.json(&json!({"login": target.username, "password": PASSWORD})),
        Body::Password => {
            request.json(&json!({"current_password": PASSWORD, "new_password": "quiet orange bicycle lamp"}))
        }
    };
    for (name, value) in row.headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let www_authenticate = header(&response, "www-authenticate");
    let content_type = header(&response, "content-type").unwrap_or_default();
    let text = response.text().await.expect("body");
    let json: Option<Value> = serde_json::from_str(&text).ok();
    let mut problems = Vec::new();
    let expected = row.cells[COLUMNS.iter().position(|c| *c == who).expect("a column")];
    let private = match (expected.shows_private(), &json) {
        (Some(_), Some(body)) if status < 300 => {
            let shown: Vec<bool> =
                row.private.iter().map(|at| body.pointer(at).is_some_and(|v| !v.is_null())).collect();
            if shown.iter().all(|s| *s) {
                Some(true)
            } else if shown.iter().all(|s| !*s) {
                Some(false)
            } else {
                problems.push(format!("private fields {:?} partly shown: {shown:?}", row.private));
                None
            }
        }
        (Some(_), _) if status < 300 => {
            problems.push(format!("no JSON profile body: {text:.120}"));
            None
        }
        _ => None,
    };
    if status == 401 && www_authenticate.is_none() {
        problems.push("401 without WWW-Authenticate".into());
    }
    if status >= 400
        && row.method != Method::HEAD
        && let Some(trouble) = envelope_trouble(row.envelope, status, &content_type, json.as_ref())
    {
        problems.push(format!("{trouble}: {text:.160}"));
    }
    Got { status, private, problems }
}

/// What is wrong with an error response's envelope, if anything.
fn envelope_trouble(
    envelope: Envelope,
    status: u16,
    content_type: &str,
    body: Option<&Value>,
) -> Option<String> {
    let Some(body) = body else {
        return Some(format!("{envelope:?} error body is not JSON"));
    };
    let fine = match envelope {
        Envelope::Problem => {
            content_type == "application/problem+json" && body["status"] == status && body["code"].is_string()
        }
        Envelope::Nickname => body["message"].is_string() && body.get("status").is_none(),
        Envelope::CreatorsHub => body["statusCode"] == status && body["message"].is_string(),
        Envelope::Mico => body["responses"]["code"] == status && body["responses"]["isError"] == true,
        Envelope::AppDotNet => {
            body["meta"]["code"] == status
                && body["meta"]["error_slug"].is_string()
                && body.get("data").is_none()
        }
    };
    (!fine).then(|| format!("not the {envelope:?} envelope"))
}

fn cell_matches(expected: Cell, got: &Got) -> bool {
    got.status == expected.status()
        && got.problems.is_empty()
        && match expected.shows_private() {
            Some(shown) if got.status < 300 => got.private == Some(shown),
            _ => true,
        }
}

fn label(row: &Row) -> String {
    let listener = if row.listener == Listener::Operations { " (ops)" } else { "" };
    let auth = if row.auth == Auth::Authentication { " [Authentication:]" } else { "" };
    let body = match &row.body {
        Body::Json(body) | Body::MergePatch(body) if body.as_object().is_some_and(|o| o.len() <= 2) => {
            format!(" {body}")
        }
        _ => String::new(),
    };
    let headers: String = row.headers.iter().map(|(name, value)| format!(" [{name}: {value}]")).collect();
    let upload = match &row.body {
        Body::NotAnImage(_) => " (not an image)",
        _ => "",
    };
    format!("{} {}{listener}{auth}{headers}{upload}{body}", row.method, row.path)
}

both_databases! {
    async fn every_route_for_anonymous_owner_other_and_admin(
        app,
        |s: &mut profile_server::Settings| {
            s.metrics.token = "matrix-metrics-token".to_owned().into();
            s.limits.signups_per_client = 10_000;
        }
    ) {
        let admin = app.create_admin("matrix_admin").await;
        let other = app.register("matrix_other").await;
        for user in [&admin, &other] {
            give_private_fields(&app, user).await;
        }
        let avatar = jpeg(&red_middle());
        let cover = jpeg(&picture(960, 320, |_, y| if y < 160 { RED } else { BLUE }));
        let holder = app.register("matrix_media").await;
        let response = upload(&app, &holder, "avatar", avatar.clone()).await;
        assert_eq!(response.status(), 200, "uploading the /media/{{key}} fixture");
        let profile: Value = response.json().await.expect("profile");
        let url = profile["avatar_image"]["url"].as_str().expect("avatar url");
        let media_key = url.split("/media/").nth(1).expect("a /media/ URL").to_owned();
        let cast = Cast { other, admin, media_key, avatar, cover };

        let rows = matrix();
        let mut table = String::new();
        let mut mismatches = Vec::new();
        let width = rows.iter().map(|r| label(r).chars().count()).max().unwrap_or(0);
        let _ = writeln!(table, "{:width$}  {:>16} {:>16} {:>16} {:>16}", "route", "anonymous", "owner", "other", "admin");
        for (index, row) in rows.iter().enumerate() {
            let target = app.register(&format!("matrix_t{index}")).await;
            give_private_fields(&app, &target).await;
            let mut line = format!("{:width$} ", label(row));
            for (column, who) in COLUMNS.into_iter().enumerate() {
                let expected = row.cells[column];
                let got = send_cell(&app, row, who, &target, &cast, &format!("{index}_{column}")).await;
                let ok = cell_matches(expected, &got);
                let shown = if ok { got.describe() } else { format!("✗{}≠{}", got.describe(), expected.describe()) };
                let _ = write!(line, " {shown:>16}");
                if !ok {
                    mismatches.push(format!(
                        "{:width$}  {:<9}  expected {:<12}  got {:<12} {}{}",
                        label(row),
                        who.label(),
                        expected.describe(),
                        got.describe(),
                        got.problems.join("; "),
                        if row.note.is_empty() { String::new() } else { format!("  ({})", row.note) },
                    ));
                }
            }
            let _ = writeln!(table, "{line}");
        }
        // The public /metrics is not shut to everyone: its own token opens
        // it; without metrics.token set, the public listener has no /metrics.
        let metrics = app.get("/metrics", Some("matrix-metrics-token")).await;
        assert_eq!(metrics.status(), 200, "/metrics with metrics.token");
        let closed = crate::support::helpers::try_spawn_app(app.backend, |_| {}).await.expect("a second app");
        for token in [None, Some("matrix-metrics-token")] {
            let response = closed.get("/metrics", token).await;
            assert_eq!(response.status(), 404, "public /metrics without metrics.token, token {token:?}");
        }
        println!("{} routes × {} callers on {:?}:\n{table}", rows.len(), COLUMNS.len(), app.backend);
        assert!(
            mismatches.is_empty(),
            "{} of {} cells differ on {:?}:\n{}\n\nthe whole matrix:\n{table}",
            mismatches.len(),
            rows.len() * COLUMNS.len(),
            app.backend,
            mismatches.join("\n")
        );
    }
}
