//! Operations (SPEC §8): Prometheus metrics at `/metrics`.

use reqwest::StatusCode;

use crate::helpers::header;

both_databases! {
    async fn metrics_count_requests_by_route_pattern_method_and_status(app) {
        let user = app.register("mona_m").await;
        let token = Some(user.token.as_str());
        assert_eq!(app.get(&format!("/v1/users/{}", user.id), token).await.status(), StatusCode::OK);
        assert_eq!(app.get("/v1/users/@mona_m", token).await.status(), StatusCode::OK);
        assert_eq!(app.get("/v1/users/@nobody_here", token).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/no/such/path", None).await.status(), StatusCode::NOT_FOUND);

        let response = app.get("/metrics", None).await;
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
    }

    async fn metrics_answer_only_get(app) {
        let response = app.request(reqwest::Method::POST, "/metrics", None).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header(&response, "allow").as_deref(), Some("GET"));
    }
}
