//! Operations (SPEC §8): Prometheus metrics at `/metrics`, the OpenAPI 3.1
//! document at `/openapi.json` and its offline Swagger UI at `/docs`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::helpers::header;

both_databases! {
    async fn metrics_count_requests_by_route_pattern_method_and_status(app) {
        let user = app.register("mona_m").await;
        let token = Some(user.token.as_str());
        assert_eq!(app.get(&format!("/v1/users/{}", user.id), token).await.status(), StatusCode::OK);
        assert_eq!(app.get("/v1/users/@mona_m", token).await.status(), StatusCode::OK);
        assert_eq!(app.get("/v1/users/@nobody_here", token).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/no/such/path", None).await.status(), StatusCode::NOT_FOUND);

        let response = app.client.get(format!("{}/metrics", app.operations)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = header(&response, "content-type").unwrap_or_default();
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
        let text = response.text().await.unwrap();

        let count = |route: &str, method: &str, status: &str| -> f64 {
            text.lines()
                .filter(|line| line.starts_with("http_requests_total{"))
                .filter(|line| {
                    line.contains(&format!("route=\"{route}\""))
                        && line.contains(&format!("method=\"{method}\""))
                        && line.contains(&format!("status=\"{status}\""))
                })
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        // Three reads of one route pattern (two found, one not), whatever the id or handle in the path.
        assert_eq!(count("/v1/users/{user}", "GET", "200"), 2.0, "{text}");
        assert_eq!(count("/v1/users/{user}", "GET", "404"), 1.0, "{text}");
        assert_eq!(count("/v1/accounts", "POST", "201"), 1.0, "{text}");
        assert_eq!(count("unmatched", "GET", "404"), 1.0, "{text}");
        // Raw paths never become labels: no ids, handles or unknown paths.
        for raw in ["mona_m", "nobody_here", "/no/such/path"] {
            assert!(!text.contains(raw), "{raw} leaked into the metrics:\n{text}");
        }
        assert!(text.contains("# TYPE http_request_duration_seconds histogram"), "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("http_request_duration_seconds_bucket{")
                && l.contains("route=\"/v1/users/{user}\"")
                && l.contains("le=\"+Inf\"")),
            "{text}"
        );
        assert!(text.contains("# TYPE http_requests_in_flight gauge"), "{text}");
        // Every earlier request has ended (the scrape is on the operators' listener, not counted).
        assert!(text.lines().any(|l| l == "http_requests_in_flight 0"), "{text}");
    }

    async fn metrics_answer_only_get_and_head(app) {
        let url = format!("{}/metrics", app.operations);
        let response = app.client.post(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header(&response, "allow").as_deref(), Some("GET, HEAD"));
        let response = app.client.head(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.bytes().await.unwrap().is_empty(), "HEAD has no body");
    }

    async fn the_openapi_document_describes_the_native_api(app) {
        let response = app.get("/openapi.json", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let document: Value = response.json().await.unwrap();
        assert!(document["openapi"].as_str().unwrap_or_default().starts_with("3.1"), "{}", document["openapi"]);
        let paths = &document["paths"];
        for (path, methods) in [
            ("/v1/accounts", &["post"][..]),
            ("/v1/sessions", &["post"]),
            ("/v1/sessions/current", &["delete"]),
            ("/v1/users/me/password", &["put"]),
            ("/v1/users/{user}", &["get", "put", "patch"]),
            ("/v1/users/{user}/annotations", &["get"]),
            ("/v1/users/{user}/avatar", &["get", "post", "delete"]),
            ("/v1/users/{user}/cover", &["get", "post", "delete"]),
            ("/media/{key}", &["get"]),
            ("/v1/webhooks", &["get", "post"]),
            ("/v1/webhooks/{webhook}", &["get", "delete"]),
            ("/v1/webhooks/{webhook}/deliveries", &["get"]),
            ("/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", &["post"]),
            ("/healthz", &["get"]),
            ("/readyz", &["get"]),
        ] {
            for method in methods {
                assert!(paths[path][method].is_object(), "{method} {path} is not documented");
            }
        }
        assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        let profile = &document["components"]["schemas"]["ProfileResponse"]["properties"];
        for field in ["id", "username", "description", "country", "avatar_image", "role", "version"] {
            assert!(profile[field].is_object(), "the profile schema lacks {field}");
        }
        // Every reference resolves.
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(document["components"]["schemas"][name].is_object(), "dangling $ref to {name}");
        }
    }

    async fn the_docs_work_without_the_internet(app) {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let response = client.get(app.url("/docs")).send().await.unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
        assert_eq!(header(&response, "location").as_deref(), Some("/docs/"));

        let response = app.get("/docs/", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, "content-type").unwrap_or_default().starts_with("text/html"));
        let page = response.text().await.unwrap();
        // Every script and style the page loads is served by the service itself.
        let mut assets = 0;
        for attribute in ["src=\"", "href=\""] {
            for rest in page.split(attribute).skip(1) {
                let target = rest.split('"').next().unwrap();
                assert!(!target.starts_with("http"), "the page loads {target} from elsewhere");
                let url = format!("/docs/{}", target.trim_start_matches("./"));
                let asset = app.get(&url, None).await;
                assert_eq!(asset.status(), StatusCode::OK, "{url}");
                assets += 1;
            }
        }
        assert!(assets >= 3, "only {assets} assets in:\n{page}");
        let initializer = app.get("/docs/swagger-initializer.js", None).await.text().await.unwrap();
        assert!(initializer.contains("/openapi.json"), "{initializer}");
    }
}
