//! The site's pages: HTML for people, with sessions and CSRF-checked forms. Handlers read the
//! request, call the domain (`community`, `accounts`, `digest`, `search`, the store's reads)
//! and render; the routes are listed here, in one place.

mod account;
mod admin;
mod api_tokens;
mod assets;
mod authors;
mod collections;
mod comments;
mod community;
mod digest;
mod error;
mod export;
mod feeds;
mod for_you;
mod listings;
pub mod markdown;
mod pages;
mod paper;
mod recovery;
mod search;
pub mod session;
mod submit;
mod trending;
mod updates;
mod viewer;

use crate::server::site::Site;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

/// The pages, feeds and static files, behind the session guard (viewer, CSRF).
pub fn router(site: Site) -> Router<Site> {
    Router::new()
        .route("/", get(listings::latest))
        .route("/papers/date/{day}", get(listings::by_period::<{ listings::DAY }>))
        .route("/papers/week/{week}", get(listings::by_period::<{ listings::WEEK }>))
        .route("/papers/month/{month}", get(listings::by_period::<{ listings::MONTH }>))
        .route("/papers/go", get(listings::go_to_day))
        .route("/search", get(search::page))
        .route("/papers/trending", get(trending::show))
        .route("/for-you", get(for_you::show))
        .route("/authors/{name}", get(authors::show).post(authors::follow))
        .route("/updates", get(updates::show).post(updates::mark_seen))
        .route("/papers/{*id}", get(paper::show).post(community::paper_action))
        .route("/submit", get(submit::page).post(submit::post))
        .route("/comments/{id}/edit", get(comments::edit_form).post(comments::edit))
        .route("/comments/{id}/delete", post(comments::delete))
        .route("/signup", get(account::signup_page).post(account::signup))
        .route("/login", get(account::login_page).post(account::login))
        .route("/password/forgot", get(recovery::forgot_page).post(recovery::forgot))
        .route("/password/reset", get(recovery::reset_page).post(recovery::reset))
        .route("/email/verify", get(recovery::verify_page).post(recovery::verify))
        .route("/logout", post(account::logout))
        .route("/settings", get(account::settings_page).post(account::save_settings))
        .route("/settings/tokens", get(api_tokens::page).post(api_tokens::create))
        .route("/settings/tokens/{id}/revoke", post(api_tokens::revoke))
        .route("/u/{username}", get(account::user_page))
        .route("/collections", get(collections::index).post(collections::create))
        .route("/collections/{id}", get(collections::show).post(collections::update))
        .route("/collections/{id}/delete", post(collections::delete))
        .route("/collections/{id}/{file}", get(collections::cite))
        .route("/collections/{id}/papers", post(collections::set_paper))
        .route("/subscribe", get(digest::subscribe_page).post(digest::subscribe))
        .route("/digest/confirm", get(digest::confirm))
        .route("/digest/preferences/{id}/{sig}", get(digest::preferences_page).post(digest::save_preferences))
        .route("/digest/unsubscribe/{id}/{sig}", get(digest::unsubscribe_page).post(digest::unsubscribe))
        .route("/admin", get(admin::show))
        .route("/admin/{kind}/{target}/{action}", post(admin::act))
        .route("/feeds/{*spec}", get(feeds::serve))
        .route("/static/{*path}", get(assets::serve))
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(error::own_error_pages))
        .layer(middleware::from_fn_with_state(site.app, session::guard))
}
