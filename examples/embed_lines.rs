//! Embeds `id<TAB>text` lines from standard input with the model in the folder named by the first
//! argument and writes `id<TAB>base64` lines (little-endian f32, as the store keeps them): for
//! studies such as `benches/second_vector.py`.

use std::io::{BufRead, Write};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: embed_lines MODEL_DIR < lines.tsv");
    let precision = std::env::var("PAPERBOY_SEARCH__PRECISION")
        .ok()
        .and_then(|p| paperboy::search::embed::Precision::parse(&p))
        .unwrap_or(paperboy::search::SearchSettings::default().precision);
    let embedder = paperboy::search::embed::Embedder::load(std::path::Path::new(&dir), "all-MiniLM-L6-v2", precision)
        .unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<(String, String)> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| l.split_once('\t').map(|(id, text)| (id.to_string(), text.to_string())))
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for chunk in lines.chunks(512) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
        for ((id, _), v) in chunk.iter().zip(embedder.embed(&texts).unwrap_or_else(|e| panic!("{e}"))) {
            writeln!(out, "{id}\t{}", paperboy::search::embeddings::encode(&v)).expect("stdout");
        }
    }
}
