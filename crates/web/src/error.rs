//! Errors of the web layer: every one becomes a clear Danish page (or JSON for the API) with the right status;
//! internal details go to the log, never to the user.

use crate::i18n::Lang;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use store::StoreError;

/// What went wrong while answering a request.
#[derive(Debug)]
pub enum AppError {
    /// Not signed in (pages redirect to the sign-in page; the API answers 401).
    Unauthenticated {
        api: bool,
        next: String,
    },
    /// Signed in, but the role or need-to-know does not allow this.
    Forbidden(String),
    /// The child is outside need-to-know: a stated reason opens it.
    BreakGlass {
        child: String,
        csrf: String,
        lang: Lang,
        error: Option<String>,
        reason: String,
    },
    NotFound(String),
    /// Bad input; `field` names the field at fault.
    BadRequest {
        field: Option<String>,
        message: String,
    },
    /// A form or API call without a valid CSRF token.
    Csrf,
    /// An internal error (logged; the user sees a generic message).
    Internal(String),
}

impl AppError {
    pub fn bad(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest { field: Some(field.to_string()), message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::BreakGlass { .. } | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated { .. } => "Du er ikke logget ind (eller sessionen er udløbet).".into(),
            AppError::Forbidden(m) => m.clone(),
            AppError::BreakGlass { .. } => {
                "Barnet hører ikke til dine eller dit teams sager: adgang kræver en begrundelse.".into()
            }
            AppError::NotFound(m) => m.clone(),
            AppError::BadRequest { field: Some(f), message } => format!("felt \"{f}\": {message}"),
            AppError::BadRequest { field: None, message } => message.clone(),
            AppError::Csrf => {
                "CSRF-token mangler eller er ugyldigt: formularen kom ikke fra Værn. Genindlæs siden og prøv igen."
                    .into()
            }
            AppError::Internal(_) => "Der skete en intern fejl. Den er logget; prøv igen om lidt.".into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated { .. } => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::BreakGlass { .. } => "reason_required",
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Csrf => "csrf",
            AppError::Internal(_) => "internal",
        }
    }

    /// The JSON body of the API's error answers: `{"error": code, "message": …, "field": …}`.
    pub fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({"error": self.code(), "message": self.message()});
        if let AppError::BadRequest { field: Some(f), .. } = self {
            v["field"] = serde_json::Value::String(f.clone());
        }
        if let AppError::BreakGlass { child, .. } = self {
            v["child"] = serde_json::Value::String(child.clone());
        }
        v
    }

    /// As an API answer.
    pub fn into_api(self) -> Response {
        if let AppError::Internal(m) = &self {
            tracing::error!(error = %m, "intern fejl");
        }
        let status = self.status();
        let mut r = (status, axum::Json(self.json())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Input(m) => AppError::BadRequest { field: None, message: m },
            StoreError::NotFound(m) => AppError::NotFound(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Unauthenticated { api: true, .. } => self.into_api(),
            AppError::Unauthenticated { api: false, next } => {
                let to = format!("/login?next={}", crate::web_util::urlencode(&next));
                (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
            }
            AppError::BreakGlass { child, csrf, lang, error, reason } => {
                crate::pages::break_glass_page(&child, &csrf, lang, error.as_deref(), &reason)
            }
            other => {
                if let AppError::Internal(m) = &other {
                    tracing::error!(error = %m, "intern fejl");
                }
                crate::pages::error_page(other.status(), &other.message())
            }
        }
    }
}

/// An API error (JSON body).
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_api()
    }
}
