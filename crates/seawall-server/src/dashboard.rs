//! The web dashboard: `GET /dashboard`, a server-rendered page (HTML and CSS, an inline SVG chart,
//! no script) with a project's figures, its images (worst finding, completeness), findings per
//! severity per day, the hosts reporting to the service with their containers, the latest drift
//! alerts and the registry crawls; every image links to its HTML report.
//!
//! Authentication is the project token of the API, kept in a cookie: the login form
//! (`POST /dashboard/login`) or `GET /dashboard?token=…` (answered with a redirect to `/dashboard`, so
//! that the token leaves the address bar and the history) sets `seawall_dashboard`, `HttpOnly`,
//! `SameSite=Strict`, `Path=/dashboard`, 12 hours, `Secure` when the request came through a TLS proxy
//! (`X-Forwarded-Proto: https`). Signing in with several projects' tokens keeps them all (at most
//! [`MAX_TOKENS`]): the page shows each project in its table and switches with `?project=NAME`.
//! `POST /dashboard/logout` clears the cookie. A token revoked since is dropped at the next request.
//! Every value from the database is HTML-escaped ([`crate::dashboard_html::esc`]); the page is served
//! with a `Content-Security-Policy` that forbids scripts altogether.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use seawall_store::{Principal, StoreError};

use crate::AppState;
use crate::api::ApiError;
use crate::dashboard_html::{self, Page, ProjectRow};

/// The cookie that holds the dashboard's tokens.
pub const COOKIE: &str = "seawall_dashboard";
/// Most tokens (projects) one browser keeps.
pub const MAX_TOKENS: usize = 8;
/// Images listed per project.
pub const MAX_IMAGES: i64 = 200;
/// Days of the findings chart.
pub const TREND_DAYS: i32 = 30;
/// Cookie lifetime.
const COOKIE_MAX_AGE: u32 = 12 * 3600;

/// Script-free: inline styles and `data:` images only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The dashboard's routes (authenticated by cookie, not by the API's bearer header).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/login", post(login))
        .route("/dashboard/logout", post(logout))
        .route("/dashboard/images/{digest}/report", get(report))
}

/// The tokens of the request's cookie (well-formed ones only).
fn cookie_tokens(headers: &HeaderMap) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()) {
        for pair in v.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else { continue };
            if name != COOKIE {
                continue;
            }
            for t in value.split('.') {
                if seawall_store::secret::looks_like_token(t) && !out.iter().any(|o| o == t) {
                    out.push(t.to_string());
                }
            }
        }
    }
    out.truncate(MAX_TOKENS);
    out
}

/// The principals of the cookie's tokens that are still valid, with those tokens.
async fn principals(state: &AppState, headers: &HeaderMap) -> Result<Vec<(String, Principal)>, StoreError> {
    let mut out = Vec::new();
    for t in cookie_tokens(headers) {
        if let Some(p) = state.store.authenticate(&t).await?
            && !out.iter().any(|(_, q): &(String, Principal)| q.project_id == p.project_id)
        {
            out.push((t, p));
        }
    }
    Ok(out)
}

fn set_cookie(headers: &HeaderMap, tokens: &[String]) -> HeaderValue {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let (value, max_age) =
        if tokens.is_empty() { (String::new(), 0) } else { (tokens.join("."), COOKIE_MAX_AGE) };
    let cookie = format!(
        "{COOKIE}={value}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&cookie)
        .unwrap_or_else(|_| HeaderValue::from_static("seawall_dashboard=; Max-Age=0"))
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

fn see_other(location: &'static str, cookie: Option<HeaderValue>) -> Response {
    let mut r =
        (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_static(location))]).into_response();
    if let Some(c) = cookie {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn store_error(e: StoreError) -> Response {
    let (status, message) = ApiError::from(e).parts();
    html(status, dashboard_html::error_page(&message))
}

/// Query of `GET /dashboard`.
#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    project: Option<String>,
    token: Option<String>,
}

async fn page(
    State(state): State<Arc<AppState>>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let t0 = Instant::now();
    let Ok(Query(q)) = query else {
        return html(StatusCode::BAD_REQUEST, dashboard_html::error_page("invalid query string"));
    };
    let signed_in = match principals(&state, &headers).await {
        Ok(p) => p,
        Err(e) => return store_error(e),
    };
    if let Some(token) = q.token {
        // A link with the token: keep it in the cookie and take it out of the address.
        return sign_in(&state, &headers, &token, signed_in).await;
    }
    if signed_in.is_empty() {
        let mut r = html(StatusCode::UNAUTHORIZED, dashboard_html::login_page(None));
        if !cookie_tokens(&headers).is_empty() {
            r.headers_mut().insert(header::SET_COOKIE, set_cookie(&headers, &[]));
        }
        return r;
    }
    let selected = q
        .project
        .as_deref()
        .and_then(|name| signed_in.iter().find(|(_, p)| p.project == name))
        .or_else(|| signed_in.first())
        .map(|(_, p)| p.clone());
    let Some(selected) = selected else {
        return html(StatusCode::UNAUTHORIZED, dashboard_html::login_page(None));
    };
    let page = match gather(&state, &signed_in, &selected).await {
        Ok(p) => p,
        Err(e) => return store_error(e),
    };
    let query_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let body = dashboard_html::render(&page, query_ms);
    let mut r = html(StatusCode::OK, body);
    let timing = format!("db;dur={query_ms:.1}, total;dur={:.1}", t0.elapsed().as_secs_f64() * 1000.0);
    if let Ok(v) = HeaderValue::from_str(&timing) {
        r.headers_mut().insert("server-timing", v);
    }
    r
}

async fn gather(
    state: &AppState,
    signed_in: &[(String, Principal)],
    selected: &Principal,
) -> Result<Page, StoreError> {
    let mut projects = Vec::new();
    for (_, p) in signed_in {
        let Some(overview) = state.store.project_overview(p.project_id).await? else { continue };
        let trend = state.store.finding_trends(p.project_id, TREND_DAYS).await?;
        projects.push(ProjectRow { overview, trend, selected: p.project_id == selected.project_id });
    }
    let images = state.store.dashboard_images(selected.project_id, MAX_IMAGES).await?;
    let agents = state.store.agent_view(selected.project_id, 100, 50).await?;
    let crawls = state.store.crawls(selected.project_id).await?;
    Ok(Page { project: selected.project.clone(), projects, images, agents, crawls })
}

#[expect(clippy::print_stderr, reason = "the server's log is its stderr")]
async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    signed_in: Vec<(String, Principal)>,
) -> Response {
    let token = token.trim();
    let who = if seawall_store::secret::looks_like_token(token) {
        match state.store.authenticate(token).await {
            Ok(w) => w,
            Err(e) => return store_error(e),
        }
    } else {
        None
    };
    let Some(who) = who else {
        state.metrics.auth_failures.inc();
        return html(StatusCode::UNAUTHORIZED, dashboard_html::login_page(Some("invalid or revoked token")));
    };
    eprintln!("seawall serve: dashboard sign-in to project {}", who.project);
    let mut tokens: Vec<String> = vec![token.to_string()];
    for (t, p) in signed_in {
        if p.project_id != who.project_id && tokens.len() < MAX_TOKENS {
            tokens.push(t);
        }
    }
    see_other("/dashboard", Some(set_cookie(headers, &tokens)))
}

/// The login form.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    token: String,
}

async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return html(StatusCode::BAD_REQUEST, dashboard_html::login_page(Some("enter a project token")));
    };
    let signed_in = match principals(&state, &headers).await {
        Ok(p) => p,
        Err(e) => return store_error(e),
    };
    sign_in(&state, &headers, &f.token, signed_in).await
}

async fn logout(headers: HeaderMap) -> Response {
    see_other("/dashboard", Some(set_cookie(&headers, &[])))
}

/// Query of the report link.
#[derive(Debug, Deserialize)]
pub(crate) struct ReportLinkQuery {
    project: Option<String>,
}

/// `GET /dashboard/images/{digest}/report?project=NAME`: the image's HTML report, as
/// `GET /api/v1/images/{digest}/report?format=html` serves it.
async fn report(
    State(state): State<Arc<AppState>>,
    Path(digest): Path<String>,
    query: Result<Query<ReportLinkQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(q)) = query else {
        return html(StatusCode::BAD_REQUEST, dashboard_html::error_page("invalid query string"));
    };
    let signed_in = match principals(&state, &headers).await {
        Ok(p) => p,
        Err(e) => return store_error(e),
    };
    // The project named in the link, or the only one signed in to.
    let who = match q.project.as_deref() {
        Some(name) => signed_in.iter().find(|(_, p)| p.project == name),
        None if signed_in.len() == 1 => signed_in.first(),
        None => None,
    };
    let Some(who) = who.map(|(_, p)| p.clone()) else {
        return html(StatusCode::UNAUTHORIZED, dashboard_html::login_page(None));
    };
    let q = crate::api::ReportQuery { format: Some("html".into()) };
    let mut r = match crate::api::get_report(
        State(state.clone()),
        axum::extract::Extension(who),
        Path(digest),
        Ok(Query(q)),
        headers,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            let (status, message) = e.parts();
            return html(status, dashboard_html::error_page(&message));
        }
    };
    r.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_tokens_are_parsed_deduplicated_and_bounded() {
        let t = |c: char| format!("swt_{}", c.to_string().repeat(43));
        let mut h = HeaderMap::new();
        let value = format!("other=1; {COOKIE}={}.{}.{}.junk; x=y", t('a'), t('b'), t('a'));
        h.insert(header::COOKIE, HeaderValue::from_str(&value).unwrap());
        assert_eq!(cookie_tokens(&h), vec![t('a'), t('b')]);
        let many: Vec<String> = ('a'..='z').map(t).collect();
        h.insert(header::COOKIE, HeaderValue::from_str(&format!("{COOKIE}={}", many.join("."))).unwrap());
        assert_eq!(cookie_tokens(&h).len(), MAX_TOKENS);
        h.insert(header::COOKIE, HeaderValue::from_static("seawall_dashboard=swt_short; a=b"));
        assert!(cookie_tokens(&h).is_empty());
    }

    #[test]
    fn the_cookie_is_http_only_same_site_and_secure_behind_tls() {
        let mut h = HeaderMap::new();
        let c = set_cookie(&h, &["swt_x".into()]);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/dashboard"));
        assert!(!c.contains("Secure"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(set_cookie(&h, &["swt_x".into()]).to_str().unwrap().ends_with("; Secure"));
        assert!(set_cookie(&h, &[]).to_str().unwrap().contains("Max-Age=0"));
    }
}
