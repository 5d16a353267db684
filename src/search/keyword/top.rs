//! The best `k` hits across an index's segments, sharing the k-th best score between the
//! threads that search them, and match counts up to a limit.

use super::*;

/// A hit ordered by score, then by address reversed: of two equal scores, the later document
/// is the worse.
#[derive(PartialEq)]
pub(super) struct Hit(Score, std::cmp::Reverse<DocAddress>);

impl Eq for Hit {}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Hit {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// The best `k` matches of `weight`'s query, best first (ties: earlier documents first).
///
/// tantivy's `TopDocs` starts every segment with no score to beat. Here the segments, largest
/// first, are dealt to one group per thread of `executor`; each segment starts from the best
/// k-th score any group has found so far (a lower bound of the final k-th score, so nothing
/// that belongs in the top k is skipped), as Lucene shares its minimum competitive score, and
/// block-max WAND skips from the first block of every segment but the first few.
pub(super) fn top_k(
    searcher: &Searcher,
    weight: &dyn Weight,
    k: usize,
    (executor, threads): (&Executor, usize),
) -> Result<Vec<(Score, DocAddress)>, SearchError> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::sync::atomic::{AtomicU32, Ordering};
    let readers = searcher.segment_readers();
    let mut largest_first: Vec<usize> = (0..readers.len()).collect();
    largest_first.sort_by_key(|&i| Reverse(readers[i].max_doc()));
    let mut groups: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); threads.clamp(1, readers.len().max(1))];
    for i in largest_first {
        let lightest = groups.iter_mut().min_by_key(|g| g.0).expect("one group at least");
        lightest.0 += u64::from(readers[i].max_doc());
        lightest.1.push(i);
    }
    // The best k-th score found by any group, as f32 bits.
    let shared = AtomicU32::new(Score::MIN.to_bits());
    let raise = |score: Score| {
        let _ = shared.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
            (score > f32::from_bits(bits)).then_some(score.to_bits())
        });
    };
    let run = |segments: &[usize]| -> tantivy::Result<Vec<Hit>> {
        let mut heap: BinaryHeap<Reverse<Hit>> = BinaryHeap::with_capacity(k + 1);
        let floor = |heap: &BinaryHeap<Reverse<Hit>>| {
            let own = match heap.peek() {
                Some(Reverse(worst)) if heap.len() >= k => worst.0,
                _ => Score::MIN,
            };
            // Just under the k-th best score: a document that ties with it still comes here,
            // and the tie goes to the lower address, whichever thread saw which first (tantivy
            // passes on only scores above the threshold).
            own.max(f32::from_bits(shared.load(Ordering::Relaxed))).next_down()
        };
        for &ord in segments {
            let reader = &readers[ord];
            let alive = reader.alive_bitset();
            weight.for_each_pruning(floor(&heap), reader, &mut |doc, score| {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    heap.push(Reverse(Hit(score, Reverse(DocAddress::new(ord as u32, doc)))));
                    if heap.len() > k {
                        heap.pop();
                    }
                    if heap.len() == k {
                        raise(heap.peek().expect("k hits").0 .0);
                    }
                }
                floor(&heap)
            })?;
        }
        Ok(heap.into_iter().map(|Reverse(hit)| hit).collect())
    };
    let mut hits: Vec<Hit> = if groups.len() == 1 {
        run(&groups[0].1)?
    } else {
        let found = executor.map(|(_, segments)| run(&segments), groups.into_iter())?;
        found.into_iter().flatten().collect()
    };
    hits.sort_unstable_by(|a, b| b.cmp(a));
    hits.truncate(k);
    Ok(hits.into_iter().map(|Hit(score, Reverse(addr))| (score, addr)).collect())
}

/// Keyword matches are counted up to this many (as Elasticsearch's `track_total_hits`):
/// counting every match of a common word means visiting most of the index, while the best
/// matches alone skip most of it.
pub const COUNT_LIMIT: usize = 10_000;

/// How many documents match: exactly, or at least `count` when there are more than
/// [`COUNT_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Total {
    pub count: usize,
    pub exact: bool,
}

/// Counts the live matches of `weight`, stopping once `limit` are found.
pub(super) fn count_up_to(searcher: &Searcher, weight: &dyn Weight, limit: usize) -> Result<Total, SearchError> {
    let mut count = 0;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut docs = weight.scorer(reader, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                count += 1;
                if count > limit {
                    return Ok(Total { count: limit, exact: false });
                }
            }
            doc = docs.advance();
        }
    }
    Ok(Total { count, exact: true })
}

/// A plain `OR` of words runs as a [`TermUnion`], so that block-max WAND applies in every
/// segment even where some (word, field) pairs are missing, and without English stop words in
/// the title and abstract (as Lucene's English analyzer and Anserini's BM25 drop them; author
/// names such as "An" are kept, and so is a query of stop words alone). Every stop word of a
/// query is in most abstracts, so it made every block competitive for little score: SciFact
/// claims were searched 2.3 times faster without them, at the same nDCG@10. Phrases, required
/// or excluded words run as parsed.
pub(super) fn with_skipping(query: Box<dyn Query>, authors: Field) -> Box<dyn Query> {
    match TermUnion::of(&*query) {
        Some(union) => {
            let droppable = |term: &Term| term.field() != authors && is_stop_word(term);
            if union.terms().any(|t| t.field() != authors && !is_stop_word(t)) {
                union.without(droppable).into_query()
            } else {
                Box::new(union)
            }
        }
        None => query,
    }
}
