//! Where a form sends a person back to (`next`): always a path on this site that is a valid
//! `Location` header.
#![no_main]
libfuzzer_sys::fuzz_target!(|next: &str| {
    let path = paperboy::web::session::safe_next(Some(next));
    assert!(path.starts_with('/') && !path.starts_with("//"), "{next:?} -> {path:?}");
    assert!(!path.contains('\\') && path.bytes().all(|b| b.is_ascii_graphic()), "{next:?} -> {path:?}");
    assert!(axum::http::HeaderValue::try_from(path.as_str()).is_ok());
});
