//! Language of user-facing text. The `Accept-Language` header picks Vietnamese or English; a
//! middleware stores the choice in a task-local so that error responses built anywhere in the
//! request are rendered in the caller's language.

use std::borrow::Cow;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{body::MessageBody, middleware::Next, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Vietnamese: the default for a Vietnamese public body.
    #[default]
    Vi,
    En,
}

impl Lang {
    /// Reads an `Accept-Language` value: the first of `vi`/`en` by quality wins; anything else
    /// falls back to Vietnamese.
    pub fn from_header(value: Option<&str>) -> Lang {
        let Some(value) = value else {
            return Lang::Vi;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag == "vi" || tag.starts_with("vi-") {
                Lang::Vi
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

thread_local! {
    /// The language of a request whose work runs on the blocking pool (`AppState::db`), where
    /// the request's task-local is not visible.
    static BLOCKING: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// The language of the request being served (Vietnamese outside a request).
pub fn current() -> Lang {
    CURRENT
        .try_with(|l| *l)
        .ok()
        .or_else(|| BLOCKING.with(|b| b.get()))
        .unwrap_or_default()
}

/// Runs `f` (on a blocking-pool thread) with `lang` as the current language.
pub fn with_lang<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    BLOCKING.with(|b| b.set(Some(lang)));
    let out = f();
    BLOCKING.with(|b| b.set(None));
    out
}

/// Text in both languages; rendered in the request's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub vi: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Text {
        Text {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }

    pub fn render(&self) -> String {
        self.get(current()).to_string()
    }
}

/// Middleware: runs the rest of the request with the caller's language in scope and tells
/// caches that responses vary by it.
pub async fn language_scope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let lang = Lang::from_header(
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut res = CURRENT.scope(lang, next.call(req)).await?;
    res.headers_mut().insert(
        actix_web::http::header::CONTENT_LANGUAGE,
        actix_web::http::header::HeaderValue::from_static(lang.code()),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_parsed_by_quality() {
        let cases = [
            (None, Lang::Vi),
            (Some("en"), Lang::En),
            (Some("en-US,en;q=0.9"), Lang::En),
            (Some("vi-VN"), Lang::Vi),
            (Some("fr, en;q=0.5, vi;q=0.8"), Lang::Vi),
            (Some("fr"), Lang::Vi),
            (Some("vi;q=0.2, en;q=0.9"), Lang::En),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_header(header), expected, "{header:?}");
        }
    }
}

/// A grade with its label in the caller's language: the one shape of a grade in every response.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct GradeView {
    /// Code: `excellent`, `good`, `complete`, `not_complete`, `not_graded`.
    pub code: crate::domain::grading::Grade,
    /// Label (Vietnamese or English by `Accept-Language`).
    #[schema(example = "Hoàn thành tốt nhiệm vụ")]
    pub label: String,
}

impl GradeView {
    pub fn of(grade: crate::domain::grading::Grade) -> GradeView {
        GradeView {
            code: grade,
            label: match current() {
                Lang::Vi => grade.label_vi(),
                Lang::En => grade.label_en(),
            }
            .to_string(),
        }
    }
}
