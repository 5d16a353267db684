//! Searches with their papers: the index answers with ids, the store with the papers.

use super::{SearchIndex, SearchRequest, SearchResults};
use crate::papers::Paper;
use crate::store::Store;
use std::collections::HashMap;

/// Runs a search and loads the papers found, in rank order; `None` when search is off.
pub async fn search(
    index: Option<&SearchIndex>,
    store: &Store,
    req: &SearchRequest,
) -> anyhow::Result<Option<(SearchResults, Vec<Paper>)>> {
    let Some(index) = index else { return Ok(None) };
    let results = index.search(req).await?;
    let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
    let mut by_id: HashMap<String, Paper> =
        store.papers_by_ids(ids.clone()).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    let papers = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok(Some((results, papers)))
}

/// The papers most like `id`, loaded, best first; `None` when search is off or the paper has
/// no vector yet.
pub async fn similar(
    index: Option<&SearchIndex>,
    store: &Store,
    id: &str,
    k: usize,
) -> anyhow::Result<Option<Vec<(Paper, f32)>>> {
    let Some(index) = index else { return Ok(None) };
    let Some(found) = index.similar(id, k)? else { return Ok(None) };
    let ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
    let mut by_id: HashMap<String, Paper> =
        store.papers_by_ids(ids).await?.into_iter().map(|p| (p.id.as_str().to_string(), p)).collect();
    Ok(Some(found.into_iter().filter_map(|(id, s)| by_id.remove(&id).map(|p| (p, s))).collect()))
}

/// The papers (at most `limit`, the newest) whose author list holds a name with the key of `name`
/// (`papers::authors::key`), newest first; `None` when search is off.
pub async fn by_author(
    index: Option<&SearchIndex>,
    store: &Store,
    name: &str,
    limit: usize,
) -> anyhow::Result<Option<Vec<Paper>>> {
    let Some(index) = index else { return Ok(None) };
    let key = crate::papers::authors::key(name);
    let ids = index.keyword().by_author_words(name, limit)?;
    let mut papers: Vec<Paper> = store
        .papers_by_ids(ids)
        .await?
        .into_iter()
        .filter(|p| p.authors.iter().any(|a| crate::papers::authors::key(a) == key))
        .collect();
    papers.sort_by(|a, b| b.announced_on.cmp(&a.announced_on).then(b.id.as_str().cmp(a.id.as_str())));
    Ok(Some(papers))
}

/// The papers (at most `limit`) with an author named `words` in any way the keyword index matches
/// (every word of it), in no particular order; `None` when search is off.
pub async fn by_author_words(
    index: Option<&SearchIndex>,
    store: &Store,
    words: &str,
    limit: usize,
) -> anyhow::Result<Option<Vec<Paper>>> {
    let Some(index) = index else { return Ok(None) };
    let ids = index.keyword().by_author_words(words, limit)?;
    Ok(Some(store.papers_by_ids(ids).await?))
}
