//! Comment Markdown: rendered HTML never carries a script or an event handler.
#![no_main]
libfuzzer_sys::fuzz_target!(|source: &str| {
    let html = paperboy::web::markdown::render(source).to_ascii_lowercase();
    assert!(!html.contains("<script"), "a script survived: {html}");
    assert!(!html.contains("javascript:"), "a javascript: link survived: {html}");
});
