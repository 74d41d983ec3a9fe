//! `/v1/users/me/export`: the caller's data, as a download.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Authenticated;
use crate::dto::export::AccountExportResponse;
use crate::openapi::{NotFound, Unauthorized};
use crate::present::media_urls;
use crate::problem::ApiError;
use crate::state::UseCases;

/// Export my data.
///
/// Everything the service holds about the caller, as one JSON document to
/// save (`Content-Disposition: attachment`). Only the caller's own: there
/// is no export of another account.
#[utoipa::path(get, path = "/v1/users/me/export", tag = "accounts",
    responses((status = 200, description = "The export", body = AccountExportResponse,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"profiled-export-<username>.json\"`"),
                ("Cache-Control" = String, description = "`no-store`: the document holds private data"))),
        Unauthorized, NotFound),
    security(("bearer" = [])))]
pub async fn export(
    caller: Authenticated,
    req: HttpRequest,
    app: web::Data<UseCases>,
) -> Result<HttpResponse, ApiError> {
    let export = app.export_account.execute(&caller.0).await?;
    let body = AccountExportResponse::new(export, &media_urls(&req));
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", body.file_name())))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body))
}
