//! The site on a phone: no page scrolls sideways at 360 CSS pixels (Chromium emulating a
//! phone), in light and dark; and the screenshots of `docs/screenshots/` (desktop and phone,
//! light and dark), which `scripts/screenshots.sh` copies there from this test's artifacts.

use crate::browser::{artifacts, fill, js, sized, start_driver, wait_for};
use crate::helpers::*;

/// What sticks out past a 360 px screen's right edge: the document's width, the layout
/// viewport's, and the deepest elements that end past it (tag.class, for the message).
const OVERFLOW: &str = "
    const w = 360;
    const out = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > w + 1))
        .filter(e => { for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return false; } return true; })
        .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className);
    return [document.documentElement.scrollWidth, w, out];";

async fn a_paper_with_wide_math(s: &TestApp) {
    let mut p = listed_paper(
        "2508.99990",
        "Bounds for $\\sum_{i=1}^{n} \\frac{a_i b_i}{\\sqrt{a_i^2+b_i^2+c_i^2+d_i^2+e_i^2}}$ in wide settings",
        "2025-08-07",
        "math.AP cs.LG stat.ML cs.CV cs.CL eess.AS",
    );
    p.abstract_text = "We show $$\\mathcal{L}(\\theta) = \\sum_{i=1}^{N} \\log \\frac{\\exp(f_\\theta(x_i)^\\top g_\\phi(y_i)/\\tau)}{\\sum_{j=1}^{N} \\exp(f_\\theta(x_i)^\\top g_\\phi(y_j)/\\tau)} + \\lambda \\lVert \\theta \\rVert_2^2 + \\mu \\lVert \\phi \\rVert_1$$ and code at https://example.org/a/very/long/path/that/does/not/break/anywhere/at/all/in/a/narrow/column/of/text.".into();
    p.authors = vec!["Maximilianus Augustinus Longname-Doublebarrelled".into(), "Ada Lovelace".into()];
    s.store.upsert_papers(vec![p], None).await.unwrap();
}

#[tokio::test]
async fn no_page_scrolls_sideways_on_a_360_px_phone() {
    let s = spawn_app(|_| {}).await;
    a_paper_with_wide_math(&s).await;
    let ada = Visitor::new(&s.base);
    ada.signup("ada", "correct horse").await;
    let page = "/papers/2508.99990";
    ada.submit(page, &format!("{page}/comments"), &[("body", "Indeed $$\\int_0^\\infty e^{-x^2} \\, dx = \\frac{\\sqrt{\\pi}}{2} \\quad \\text{and} \\quad \\sum_{k=0}^{\\infty} \\frac{(-1)^k}{2k+1} = \\frac{\\pi}{4}$$")]).await;
    ada.submit(
        "/collections",
        "/collections",
        &[("name", "Contrastive learning, the long way round"), ("description", "")],
    )
    .await;
    let driver = start_driver().await;
    for dark in [false, true] {
        let c = sized(&driver, dark, Some(360)).await;
        let base = s.base.clone();
        c.goto(&format!("{base}/login")).await.unwrap();
        fill(&c, "#username", "ada").await;
        fill(&c, "#password", "correct horse").await;
        wait_for(&c, "form[action='/login'] button").await.click().await.unwrap();
        wait_for(&c, "a[href='/u/ada']").await;
        for (path, ready) in [
            ("/", "article"),
            ("/papers/date/2025-08-07", "article"),
            ("/papers/week/2025-W32", "main"),
            ("/papers/month/2025-08", "main"),
            ("/papers/trending", "main"),
            ("/search?q=audio", "article"),
            ("/search?q=audio+speech+recognition+in+noisy+environments&mode=keyword&cat=cs.SD,eess.AS", "main"),
            (page, ".abstract .katex"),
            ("/authors/Ada%20Lovelace", "main"),
            ("/collections", "#name"),
            ("/settings", "main"),
            ("/settings/tokens", "#scope"),
            ("/submit", "#paper"),
            ("/for-you", "main"),
            ("/updates", "main"),
            ("/subscribe", "main"),
            ("/u/ada", "main"),
            ("/password/forgot", "#email"),
            ("/no/such/page", "main"),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            wait_for(&c, ready).await;
            let v = js(&c, OVERFLOW).await;
            let (doc, view) = (v[0].as_u64().unwrap(), v[1].as_u64().unwrap());
            assert_eq!(view, 360, "the phone's viewport");
            assert!(
                doc <= view,
                "{path} (dark: {dark}) is {doc} px wide on a {view} px screen; past the edge: {}",
                v[2]
            );
        }
        c.goto(&format!("{base}/")).await.unwrap();
        wait_for(&c, "article").await;
        let name = if dark { "phone-dark" } else { "phone-light" };
        std::fs::write(artifacts().join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
        c.goto(&format!("{base}{page}")).await.unwrap();
        wait_for(&c, ".abstract .katex").await;
        std::fs::write(artifacts().join(format!("{name}-paper.png")), c.screenshot().await.unwrap()).unwrap();
        c.close().await.unwrap();
    }
    // The desktop screenshots beside them.
    for dark in [false, true] {
        let c = sized(&driver, dark, None).await;
        c.goto(&format!("{}/", s.base)).await.unwrap();
        wait_for(&c, "article").await;
        let name = if dark { "desktop-dark" } else { "desktop-light" };
        std::fs::write(artifacts().join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
        c.close().await.unwrap();
    }
}
