//! The web client served by the binary: the app at `/` and at any deep link, its assets with
//! the right types and caching, while API, docs and operational paths keep their answers.

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;

use crate::helpers::{assert_problem, spawn_app};

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_app_is_served_at_the_root_and_at_deep_links_and_the_api_keeps_its_404() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();

    let root = get("/").await.expect("request");
    assert_eq!(root.status(), StatusCode::OK);
    assert_eq!(header(&root, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&root, CACHE_CONTROL), "no-cache");
    let etag = header(&root, ETAG);
    let html = root.text().await.expect("html");
    assert!(html.contains(r#"<div id="app">"#), "{html}");

    // A deep link (a reload on a page of the app) is the same document.
    for path in ["/diary/2026-11-30", "/grading/12", "/dashboard"] {
        let res = get(path).await.expect("request");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.text().await.expect("html"), html, "{path}");
    }

    // Revalidation: the same ETag is 304.
    let res = app
        .client
        .get(format!("{}/diary", app.address))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // The hashed bundle named by index.html: JavaScript, cached for a year.
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script in index.html");
    assert!(script.starts_with("/assets/"), "{script}");
    let res = get(script).await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(
        header(&res, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let manifest = get("/manifest.webmanifest").await.expect("request");
    assert_eq!(header(&manifest, CONTENT_TYPE), "application/manifest+json");
    let sw = get("/sw.js").await.expect("request");
    assert_eq!(sw.status(), StatusCode::OK);
    assert_eq!(header(&sw, CACHE_CONTROL), "no-cache");

    // A missing file is not the app (a script tag must not receive HTML).
    assert_problem(
        get("/assets/index-gone.js").await.expect("request"),
        StatusCode::NOT_FOUND,
    )
    .await;
    // The API, docs and operations keep their own answers.
    assert_problem(
        get("/api/v1/nope").await.expect("request"),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(get("/api").await.expect("request"), StatusCode::NOT_FOUND).await;
    assert_problem(
        get("/api-docs/nope.json").await.expect("request"),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        get("/health").await.expect("request").status(),
        StatusCode::OK
    );
    // Only reads are answered with the app.
    let res = app
        .client
        .post(format!("{}/diary", app.address))
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_app_is_compressed_for_clients_that_accept_gzip() {
    let app = spawn_app().await;
    let html = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("html");
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("script");
    // reqwest without its gzip feature: ask by hand and read the raw answer.
    let res = app
        .client
        .get(format!("{}{script}", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, reqwest::header::CONTENT_ENCODING), "gzip");
}

#[tokio::test]
async fn the_manifest_names_png_icons_of_192_and_512_px_that_the_binary_serves() {
    // Chromium's installability check wants PNG icons; launchers want maskable ones.
    let app = spawn_app().await;
    let get = |path: String| app.client.get(format!("{}{path}", app.address)).send();
    let manifest: serde_json::Value = get("/manifest.webmanifest".into())
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let icons = manifest["icons"].as_array().expect("icons");
    for size in [192u32, 512] {
        for purpose in ["any", "maskable"] {
            let icon = icons
                .iter()
                .find(|i| {
                    i["type"] == "image/png"
                        && i["purpose"] == purpose
                        && i["sizes"] == format!("{size}x{size}")
                })
                .unwrap_or_else(|| panic!("a {purpose} PNG of {size} px in {manifest}"));
            let src = icon["src"].as_str().expect("src").to_string();
            let res = get(src.clone()).await.expect("request");
            assert_eq!(res.status(), StatusCode::OK, "{src}");
            assert_eq!(header(&res, CONTENT_TYPE), "image/png", "{src}");
            let bytes = res.bytes().await.expect("bytes");
            assert_eq!(&bytes[1..4], b"PNG", "{src}");
            // IHDR: width and height, big-endian, at bytes 16..24.
            let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
            let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
            assert_eq!((width, height), (size, size), "{src}");
        }
    }
}
