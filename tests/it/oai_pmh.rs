use crate::helpers::*;
use axum::http::StatusCode;
use paperboy::ingest::oai_pmh::{parse_list_records, Harvest, MetadataFormat, OaiPmh};
use paperboy::ingest::IngestError;
use paperboy::papers::ArxivId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A three-page harvest chained through real responses: arXivRaw (6 records) → arXivRaw
/// (387 records) → arXiv format (3 records, no further token).
fn chained(seen: &Seen) -> Reply {
    let file = match seen.query.get("resumptionToken").map(String::as_str) {
        None if seen.query.get("metadataPrefix").map(String::as_str) == Some("arXivRaw") => {
            "oai-pmh/arXivOAIHarvester/ListRecordsResponse.xml"
        }
        Some("726959|1001") => "oai-pmh/litpuvn/ListRecords.xml",
        Some("1403493|1001") => "oai-pmh/hepcrawl/arxiv-physics-hep-th.xml",
        _ => "oai-pmh/arXivOAIHarvester/ErrorResponseBadResumptionToken.xml",
    };
    (StatusCode::OK, fixture(file))
}

fn harvest() -> Harvest {
    Harvest { format: MetadataFormat::ArxivRaw, from: "2014-10-01".parse().ok(), until: None, set: None }
}

#[tokio::test]
async fn list_records_follows_resumption_tokens_across_both_formats() {
    let server = FixtureServer::start(|s, _| chained(s)).await;
    let t = temp_store().await;
    let http = client(0, 0);
    let oai = OaiPmh { http: &http, base_url: format!("{}/oai", server.base) };
    let report = oai.harvest(&t.store, &harvest()).await.unwrap();
    assert_eq!(report.processed(), 6 + 387 + 3, "{report}");
    assert!(report.rejected.is_empty(), "{report}");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].query["verb"], "ListRecords");
    assert_eq!(seen[0].query["from"], "2014-10-01");
    assert!(!seen[1].query.contains_key("metadataPrefix"), "a token request carries only the token");

    // arXivRaw: versions, authors split from free text, journal refs.
    let p = t.store.paper(&ArxivId::parse("0704.0471").unwrap()).await.unwrap().unwrap();
    assert_eq!(p.authors, ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]);
    assert_eq!(p.title, "Density dependence of the symmetry energy and the nuclear equation of state: A Dynamical and Statistical model perspective");
    assert_eq!(p.categories.iter().map(|c| c.code()).collect::<Vec<_>>(), ["nucl-ex", "nucl-th"]);
    assert!(p.abstract_text.contains("extremely \" stiff \" and \" soft \""));
    let multi = t.store.paper(&ArxivId::parse("0803.4354").unwrap()).await.unwrap().unwrap();
    assert_eq!(multi.version, 6);
    assert_eq!(multi.submitted_on.unwrap().to_string(), "2008-03-30");
    assert_eq!(multi.updated_on.unwrap().to_string(), "2016-10-20");
    // arXiv format: structured authors.
    let h = t.store.paper(&ArxivId::parse("1412.8323").unwrap()).await.unwrap().unwrap();
    assert_eq!(h.authors, ["Philipp A Hoehn"]);
    assert_eq!(h.categories[0].code(), "quant-ph");
    // The harvest completed: no resume point is left behind.
    assert_eq!(dump_papers(&t.dir.path().join("paperboy.db")).last().unwrap(), "resume points: 0");
}

#[tokio::test]
async fn an_interrupted_harvest_resumes_from_its_stored_token() {
    let fail = Arc::new(AtomicBool::new(true));
    let f = fail.clone();
    let server = FixtureServer::start(move |s, _| {
        if s.query.get("resumptionToken").map(String::as_str) == Some("1403493|1001") && f.load(Ordering::SeqCst) {
            return (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance".into());
        }
        chained(s)
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 1);
    let oai = OaiPmh { http: &http, base_url: format!("{}/oai", server.base) };
    let err = oai.harvest(&t.store, &harvest()).await.unwrap_err();
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    assert_eq!(t.store.stats().await.unwrap().papers, 6 + 387, "the two pages before the failure are stored");

    fail.store(false, Ordering::SeqCst);
    let before = server.seen().len();
    let report = oai.harvest(&t.store, &harvest()).await.unwrap();
    assert_eq!(report.resumed_from, Some(6 + 387));
    assert_eq!(report.counts.inserted, 3);
    let resumed: Vec<_> = server.seen()[before..].to_vec();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].query["resumptionToken"], "1403493|1001");
    assert_eq!(t.store.stats().await.unwrap().papers, 396);
}

#[tokio::test]
async fn a_refused_stored_token_restarts_the_harvest() {
    let t = temp_store().await;
    // First run is cut after page one, leaving token 726959|1001 behind…
    let fail = Arc::new(AtomicBool::new(true));
    let f = fail.clone();
    let server = FixtureServer::start(move |s, _| {
        if s.query.contains_key("resumptionToken") {
            if f.load(Ordering::SeqCst) {
                return (StatusCode::SERVICE_UNAVAILABLE, String::new());
            }
            // …and by the next run the token has expired.
            if s.query["resumptionToken"] == "726959|1001" {
                return (StatusCode::OK, fixture("oai-pmh/arXivOAIHarvester/ErrorResponseBadResumptionToken.xml"));
            }
            return (StatusCode::OK, fixture("oai-pmh/hepcrawl/arxiv-physics-hep-ex.xml"));
        }
        (StatusCode::OK, fixture("oai-pmh/arXivOAIHarvester/ListRecordsResponse.xml"))
    })
    .await;
    let http = client(0, 0);
    let oai = OaiPmh { http: &http, base_url: format!("{}/oai", server.base) };
    assert!(oai.harvest(&t.store, &harvest()).await.is_err());
    fail.store(false, Ordering::SeqCst);
    // The restart fetches page one again, whose token is refused again: that is an error now.
    let err = oai.harvest(&t.store, &harvest()).await.unwrap_err();
    assert!(matches!(&err, IngestError::Oai { code, .. } if code == "badResumptionToken"), "{err}");
    let seen = server.seen();
    assert!(seen.iter().filter(|s| s.query.contains_key("metadataPrefix")).count() == 2, "restarted from the start");
}

#[test]
fn every_oai_error_code_is_recognised() {
    for (file, code, words) in [
        ("ErrorResponseNoRecordsMatch.xml", "noRecordsMatch", "The setSpec was 'moo'"),
        ("ErrorResponseBadResumptionToken.xml", "badResumptionToken", "illegal for this repository"),
        ("ErrorResponseBadArgument.xml", "badArgument", "illegal argument 'identifier'"),
        ("ErrorResponseBadVerb.xml", "badVerb", "Verb 'wah' not implemented"),
        ("ErrorResponseIdDoesNotExist.xml", "idDoesNotExist", "oai:arXiv.org:0813.2274"),
    ] {
        match parse_list_records(&fixture(&format!("oai-pmh/arXivOAIHarvester/{file}"))) {
            Err(IngestError::Oai { code: c, message }) => {
                assert_eq!(c, code);
                assert!(message.contains(words), "{message}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn no_records_match_is_an_empty_harvest_and_other_errors_stop_it() {
    let server = FixtureServer::start(|s, _| {
        let file = match s.query.get("set").map(String::as_str) {
            Some("moo") => "ErrorResponseNoRecordsMatch.xml",
            _ => "ErrorResponseBadArgument.xml",
        };
        (StatusCode::OK, fixture(&format!("oai-pmh/arXivOAIHarvester/{file}")))
    })
    .await;
    let t = temp_store().await;
    let http = client(0, 0);
    let oai = OaiPmh { http: &http, base_url: format!("{}/oai", server.base) };
    let empty = oai.harvest(&t.store, &Harvest { set: Some("moo".into()), ..harvest() }).await.unwrap();
    assert_eq!(empty.processed(), 0);
    let err = oai.harvest(&t.store, &Harvest { set: Some("cs".into()), ..harvest() }).await.unwrap_err();
    assert_eq!(err.to_string(), "OAI-PMH error badArgument: Verb 'ListRecords', illegal argument 'identifier'.");
}

#[test]
fn get_record_responses_parse() {
    let page = parse_list_records(&fixture("oai-pmh/arXivOAIHarvester/GetRecordResponse.xml")).unwrap();
    assert_eq!(page.drafts.len(), 1);
    assert!(page.drafts[0].1.is_ok());
    let page = parse_list_records(&fixture("oai-pmh/hepcrawl/arxiv-single.xml")).unwrap();
    assert_eq!(page.drafts.len(), 1);
}

#[tokio::test]
async fn a_broken_record_is_reported_with_its_position_and_the_rest_lands() {
    let full = fixture("oai-pmh/litpuvn/ListRecords.xml");
    // Break the XML inside the 5th record's title; the document then also ends early.
    let fifth = full.match_indices("<record>").nth(4).unwrap().0;
    let title = fifth + full[fifth..].find("<title>").unwrap();
    let broken = format!("{}<title>Broken & unescaped</title2>{}", &full[..title], &full[title..title + 10]);
    let page = parse_list_records(&broken).unwrap();
    let ok = page.drafts.iter().filter(|d| d.1.is_ok()).count();
    assert_eq!(ok, 4);
    let bad: Vec<_> = page.drafts.iter().filter(|d| d.1.is_err()).collect();
    assert!(!bad.is_empty());
    assert!(bad[0].0.starts_with("record 5 (line "), "{:?}", bad[0]);
    assert!(bad[0].1.as_ref().unwrap_err().contains("broken XML at line"), "{:?}", bad[0]);

    // Through the harvester: the four good records land, the broken one is listed as rejected.
    let server = FixtureServer::start(move |_, _| (StatusCode::OK, broken.clone())).await;
    let t = temp_store().await;
    let http = client(0, 0);
    let oai = OaiPmh { http: &http, base_url: format!("{}/oai", server.base) };
    let report = oai.harvest(&t.store, &harvest()).await.unwrap();
    assert_eq!(report.counts.inserted, 4);
    assert!(report.interrupted.as_deref().unwrap().starts_with("page 1 broke off: broken XML at line"), "{report}");
    assert_eq!(report.rejected.len(), 1);
    assert!(report.to_string().contains("rejected page 1, record 5 (line"), "{report}");
}
