//! What every resource of every API shares: the 405 problem with its
//! `Allow` header for methods a resource does not take, and the 404
//! problem for paths no resource matches. A leaf: the native routes, the
//! dialects, the documentation and the server's operators' listener all
//! mount their resources through [`allowing`].

use actix_web::{HttpResponse, web};

use crate::problem::ApiError;

/// A resource whose unsupported methods get a 405 problem with
/// `Allow: allow` (the methods its routes take, as `"GET, PUT"`).
pub fn allowing(path: &str, allow: &'static str) -> actix_web::Resource {
    #[cfg(test)]
    MOUNTED.with_borrow_mut(|mounted| mounted.push((path.to_owned(), allow)));
    web::resource(path).default_service(web::to(move || method_not_allowed(Some(allow))))
}

/// The app's default service: a 404 problem.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("No resource matches this path."))
}

async fn method_not_allowed(allow: Option<&'static str>) -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed(allow))
}

#[cfg(test)]
thread_local! {
    /// Every resource [`allowing`] built on this thread (its pattern relative
    /// to its scope, and its methods): the route table the document is
    /// checked against.
    pub static MOUNTED: std::cell::RefCell<Vec<(String, &'static str)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}
