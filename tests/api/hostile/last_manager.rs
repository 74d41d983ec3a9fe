//! The last holder of `users.manage` (defect 9) cannot give it up: 409
//! `last_manager`, the role unchanged; with another admin, it can.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::helpers::{TestApp, assert_problem};
use crate::support::profile_helpers::{patch, patch_ok};

async fn stored_role(app: &TestApp, id: i64) -> String {
    let sql =
        format!("SELECT r.name AS role FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = {id}");
    app.rows(&sql).await[0]["role"].as_str().unwrap_or_default().to_owned()
}

both_databases! {
    async fn the_last_admin_cannot_demote_itself(app) {
        let root = app.create_admin("root_lm").await;
        let response = patch(&app, "/v1/users/me", &root.token, &json!({"role": "user"})).await;
        assert_problem(response, StatusCode::CONFLICT, "last_manager").await;
        assert_eq!(stored_role(&app, root.id).await, "admin");
        let me: serde_json::Value = app.get("/v1/users/me", Some(&root.token)).await.json().await.unwrap();
        assert_eq!(me["role"]["name"], "admin");

        let other = app.create_admin("root_lm_2").await;
        let demoted = patch_ok(&app, "/v1/users/me", &root.token, &json!({"role": "user"})).await;
        assert_eq!(demoted["role"], json!({"name": "user", "privileges": []}));
        assert_eq!(stored_role(&app, root.id).await, "user");
        // Now the other one is the last.
        let response = patch(&app, "/v1/users/me", &other.token, &json!({"role": "user"})).await;
        assert_problem(response, StatusCode::CONFLICT, "last_manager").await;
        assert_eq!(stored_role(&app, other.id).await, "admin");
    }
}
