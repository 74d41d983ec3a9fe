//! `POST /v1/accounts`: sign-up.

use actix_web::{HttpRequest, HttpResponse, web};
use profile_application::model::ProfileView;
use profile_application::use_cases::NewAccount;

use crate::dto::account::{RegisterRequest, Registered};
use crate::dto::profile::ProfileResponse;
use crate::dto::session::SessionResponse;
use crate::extract::{client, user_agent};
use crate::json::JsonObject;
use crate::openapi::{Invalid, Malformed, NotJson, Problem, TooLarge, TooMany};
use crate::problem::ApiError;
use crate::request_id::request_id;
use crate::routes::sessions::no_store;
use crate::routes::users::location;
use crate::state::{HttpSettings, UseCases};

/// Sign up.
///
/// Creates an account and logs it in: 201, `Location`, `{user, token, token_type, expires_at}`.
#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = RegisterRequest,
    responses((status = 201, description = "Created and logged in", body = Registered,
            headers(("Location" = String, description = "The new profile")),
            links(
                ("GetProfile" = (operation_id = "get_profile", parameters(("user" = "$response.body#/user/id")))),
                ("GetAnnotations" = (operation_id = "get_annotations",
                    parameters(("user" = "$response.body#/user/id")))),
                ("PatchProfile" = (operation_id = "patch_profile",
                    parameters(("user" = "$response.body#/user/id")))),
                ("PutProfile" = (operation_id = "put_profile", parameters(("user" = "$response.body#/user/id")))),
                ("GetAvatar" = (operation_id = "getAvatar", parameters(("user" = "$response.body#/user/id")))),
                ("UploadAvatar" = (operation_id = "uploadAvatar", parameters(("user" = "$response.body#/user/id")))),
                ("DeleteAvatar" = (operation_id = "deleteAvatar", parameters(("user" = "$response.body#/user/id")))),
                ("GetCover" = (operation_id = "getCover", parameters(("user" = "$response.body#/user/id")))),
                ("UploadCover" = (operation_id = "uploadCover", parameters(("user" = "$response.body#/user/id")))),
                ("DeleteCover" = (operation_id = "deleteCover", parameters(("user" = "$response.body#/user/id"))))
            )),
        Invalid, Malformed, NotJson, TooLarge, TooMany, (status = 409, description = "Username or email taken", body = Problem, content_type = "application/problem+json")))]
pub async fn register(
    req: HttpRequest,
    body: JsonObject<RegisterRequest>,
    app: web::Data<UseCases>,
    settings: web::Data<HttpSettings>,
) -> Result<HttpResponse, ApiError> {
    let account = NewAccount::try_from(body.into_inner())?;
    let client = client(&req);
    let registered =
        app.register_account.execute(account, client.as_deref(), user_agent(&req), request_id(&req)).await?;
    let location = location(registered.user.id().0);
    let session = SessionResponse::from(registered.session);
    // A new profile's description is empty: nothing to resolve.
    let description = registered.user.description().render(&());
    let view =
        ProfileView { profile: registered.user.visible_to_owner(), description, avatar: None, cover: None };
    let user = ProfileResponse::new(view, false, &settings.media_urls());
    Ok(HttpResponse::Created()
        .insert_header(location)
        .insert_header(no_store())
        .json(Registered { user, session }))
}
