//! Many writers at once (issue 14, the write path): on SQLite every write transaction goes to
//! the pool's one writer connection and queued writers share a COMMIT (group commit, each in its
//! own savepoint). What a user must see is unchanged: a retry never duplicates a line, a refused
//! line leaves nothing behind while the lines committed with it stay, every created line is
//! answered only once it is committed, and the maintained totals stay exact.

use std::collections::HashMap;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{diary_setup, line, today};
use crate::helpers::spawn_app;

#[tokio::test]
async fn concurrent_creates_with_retries_and_refusals_keep_every_rule() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let day = today() - Duration::days(1);
    let people = [d.s1.clone(), d.s2.clone()];

    // 48 requests in flight together: each of 16 lines per person is sent twice (a retry racing
    // its original), and every fourth request of s2 asks for 25 hours in one line (refused).
    let mut sent = Vec::new();
    for (p, token) in people.iter().enumerate() {
        for n in 0..16 {
            let mut body = line(&d, day, 10);
            body["client_ref"] = json!(format!("p{p}-line-{n}"));
            sent.push((p, Some(n), token.clone(), body.clone()));
            sent.push((p, Some(n), token.clone(), body));
        }
    }
    for n in 0..16 {
        if n % 4 == 0 {
            let mut body = line(&d, day, 1500);
            body["client_ref"] = json!(format!("too-long-{n}"));
            sent.push((1, None, d.s2.clone(), body));
        }
    }
    let futures = sent.into_iter().map(|(p, n, token, body)| {
        let app = &app;
        async move {
            let res = app.post("/api/v1/entries", &token, body).await;
            let status = res.status();
            let value: Value = res.json().await.expect("json");
            (p, n, status, value)
        }
    });
    let answers = futures_join_all(futures).await;

    let mut ids: HashMap<(usize, usize), i64> = HashMap::new();
    let mut refused = 0;
    for (p, n, status, value) in answers {
        match n {
            Some(n) => {
                assert_eq!(status, StatusCode::CREATED, "{value}");
                let id = value["id"].as_i64().expect("id");
                // The original and its retry answer the same line.
                if let Some(earlier) = ids.insert((p, n), id) {
                    assert_eq!(earlier, id, "a retry created a second line");
                }
            }
            None => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
                refused += 1;
            }
        }
    }
    assert_eq!(ids.len(), 32);
    assert_eq!(refused, 4);

    // Each person's diary holds exactly their 16 lines, all answered as created (committed).
    for (p, token) in people.iter().enumerate() {
        let list: Value = app
            .get("/api/v1/entries?limit=100", token)
            .await
            .json()
            .await
            .expect("json");
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), 16, "person {p}: {list}");
        for item in items {
            let r = item["client_ref"].as_str().expect("client_ref");
            assert!(r.starts_with(&format!("p{p}-line-")), "{r}");
            assert_eq!(item["minutes"], 10);
        }
    }
    app.assert_no_totals_drift().await;
}

/// `futures::future::join_all` without the dependency: polls every future on this task.
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
