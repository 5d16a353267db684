//! Embeds the files under static/ (KaTeX, vendored from npm by scripts/vendor-katex.sh; the
//! site's CSS and scripts) and the page templates under templates/pages/ in the binary, so that
//! paperboy serves them itself and a new file needs no list kept by hand.

use std::fmt::Write;
use std::path::Path;

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("static/ readable").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            walk(&path, root, out);
        } else {
            let rel = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            out.push((rel, path.canonicalize().expect("exists").to_string_lossy().into_owned()));
        }
    }
}

/// Writes `OUT_DIR/{file}`: a static `name` listing every file under `dir` (relative path,
/// contents through `include`).
fn embed(dir: &str, file: &str, name: &str, ty: &str, include: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    println!("cargo:rerun-if-changed={dir}");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    let mut code = format!("pub static {name}: &[(&str, {ty})] = &[\n");
    for (rel, abs) in files {
        let _ = writeln!(code, "    ({rel:?}, {include}!({abs:?})),");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join(file);
    std::fs::write(out, code).expect("OUT_DIR writable");
}

fn main() {
    embed("static", "assets.rs", "ASSETS", "&[u8]", "include_bytes");
    embed("templates/pages", "page_templates.rs", "TEMPLATES", "&str", "include_str");
}
