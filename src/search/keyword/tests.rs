use super::*;

/// An index of `n` documents over three commits (three segments), some deleted again.
fn segmented(n: usize) -> KeywordIndex {
    let index = KeywordIndex::in_memory().unwrap();
    let docs: Vec<(String, String, String)> = (0..n)
        .map(|i| {
            let title = if i % 5 == 0 { format!("sparse graph networks {i}") } else { format!("dense networks {i}") };
            (format!("d{i}"), title, format!("we study the networks of paper {} in the lab", i % 11))
        })
        .collect();
    for part in docs.chunks(n.div_ceil(3)) {
        index.upsert_plain(part).unwrap();
    }
    // Replaced documents leave deleted copies behind in the earlier segments.
    index.upsert_plain(&docs[..n / 10]).unwrap();
    index
}

#[test]
fn top_matches_across_segments_are_tantivys_and_totals_stop_at_the_limit() {
    let index = segmented(600);
    assert!(index.segment_count().unwrap() >= 3);
    let searcher = index.reader.searcher();
    let window = Window::default();
    for q in ["sparse graph networks", "dense lab", "networks of the paper 3", "\"graph networks\" sparse"] {
        let parsed = index.parse(q);
        let query = index.filtered(&parsed, &window);
        let expected = searcher.search(&*query, &(TopDocs::with_limit(25), Count)).unwrap();
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).unwrap();
        let got = top_k(&searcher, &*weight, 25, (&index.executor, 3)).unwrap();
        // One thread or several: the same hits (of equal scores, the earlier documents).
        let alone = top_k(&searcher, &*weight, 25, (&Executor::single_thread(), 1)).unwrap();
        assert_eq!(alone, got, "{q}");
        assert_eq!(got.len(), expected.0.len(), "{q}");
        for ((s1, _), (s2, _)) in got.iter().zip(&expected.0) {
            assert!((s1 - s2).abs() < 1e-5, "{q}: {s1} vs {s2}");
        }
        let (_, total) = index.search(&parsed, &window, 0, 10).unwrap();
        assert_eq!(total, Total { count: expected.1, exact: true }, "{q}");
        assert_eq!(count_up_to(&searcher, &*weight, 100).unwrap(), Total { count: 100, exact: false });
    }
    // Paging walks the same order without repeats.
    let parsed = index.parse("sparse graph networks");
    let all: Vec<String> = index.search_top(&parsed, &window, 0, 40).unwrap().into_iter().map(|h| h.id).collect();
    let paged: Vec<String> = (0..4)
        .flat_map(|p| index.search_top(&parsed, &window, p * 10, 10).unwrap().into_iter().map(|h| h.id))
        .collect();
    assert_eq!(paged, all);
}

#[test]
fn stop_words_are_dropped_from_plain_words_only() {
    let index = KeywordIndex::in_memory().unwrap();
    let shown = |q: &str| format!("{:?}", index.parse(q));
    let q = shown("the state of the art in graphs");
    assert!(q.contains("field=1, type=Str, \"state\"") && q.contains("field=2, type=Str, \"graph\""), "{q}");
    for stop in ["the", "of", "in"] {
        for field in [1, 2] {
            assert!(!q.contains(&format!("field={field}, type=Str, \"{stop}\"")), "{q}");
        }
    }
    // A name in the authors field is kept ("An" is a surname), stemmed fields drop it.
    let q = shown("An Graphs");
    assert!(q.contains("field=3, type=Str, \"an\"") && !q.contains("field=1, type=Str, \"an\""), "{q}");
    // Stop words alone, and phrases, are searched as written.
    assert!(shown("to be or not to be").contains("field=2, type=Str, \"be\""));
    assert!(shown("\"state of the art\"").contains("\"the\""));
}

#[test]
fn joined_words_are_searched_as_words_and_quoted_phrases_stay() {
    for (q, want) in [
        ("self-supervised vision-language", "self supervised vision language"),
        ("GPT-4o on COVID-19 and 3.5 don't", "GPT 4o on COVID 19 and 3 5 don t"),
        ("\"self-supervised learning\" -transformer", "\"self-supervised learning\" -transformer"),
        ("id:hep-th/9901001 ti:self-supervised x-y", "id:hep-th/9901001 ti:self-supervised x y"),
        ("a - b", "a - b"),
    ] {
        assert_eq!(split_joined_words(q), want, "{q}");
    }
    // No phrase query left in an unquoted query: one flat OR of term queries, which runs
    // as a union that skips blocks.
    let index = KeywordIndex::in_memory().unwrap();
    let parsed = index.parse("Self-Supervised Vision-Language Learning");
    let union = parsed.query.downcast_ref::<TermUnion>().expect("a union of terms");
    assert_eq!(union.terms().count(), 5 * 3);
    let quoted = index.parse("\"self-supervised\"");
    let b = quoted.query.downcast_ref::<BooleanQuery>().expect("a boolean query");
    assert!(b.clauses().iter().all(|(_, q)| q.downcast_ref::<tantivy::query::PhraseQuery>().is_some()));
}

#[test]
fn remembered_stems_are_tantivys_stems() {
    use tantivy::tokenizer::Stemmer;
    let text = "Graph neural networks generalize; generalization of generalizing networks, \
        running runners ran. Supercalifragilisticexpialidociousnesslesslynessful words";
    let tokens = |mut a: TextAnalyzer| {
        let mut out = Vec::new();
        // Twice: the second time from the memory.
        for _ in 0..2 {
            let mut stream = a.token_stream(text);
            while stream.advance() {
                out.push((stream.token().text.clone(), stream.token().position));
            }
        }
        out
    };
    let original = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::default())
        .build();
    let ours = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(MemoStemmer)
        .build();
    let want = tokens(original);
    assert!(want.iter().any(|(t, _)| t == "general"), "{want:?}");
    assert_eq!(tokens(ours), want);
}

#[test]
fn unclosed_or_deep_groups_are_read_as_words_at_once() {
    // Found by fuzzing: tantivy's grammar took 20 minutes over this (its time grows exponentially with unclosed groups).
    let index = KeywordIndex::in_memory().unwrap();
    for q in [
        format!("whedoes{} s or wubinto fail", "(".repeat(29)),
        format!("{}a", "(".repeat(12)),
        format!("{}a{}", "(".repeat(7), ")".repeat(7)),
        "a) (b".to_string(),
    ] {
        // Not given to the grammar at all: read as plain words, and said so.
        assert!(index.parse(&q).fallback.is_some(), "{q}");
    }
    // Groups as people write them are still groups.
    assert!(index.parse("(graph OR tree) AND (neural OR (deep learning))").fallback.is_none());
}
