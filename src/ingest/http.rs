//! A polite HTTP client for arXiv: one request at a time with a minimum interval between
//! requests (arXiv asks for one every 3 seconds on a single connection), a descriptive
//! User-Agent, retries with exponential backoff on 5xx, time-outs and dropped connections,
//! and a clear error for 4xx.
//!
//! Every outgoing HTTPS request (arXiv, Hugging Face, the model) trusts the system's certificate store (as curl and pip
//! do: `/etc/ssl/certs`, or the files `SSL_CERT_FILE` and `SSL_CERT_DIR` name) as well as the bundled Mozilla roots, so
//! it works behind an inspecting proxy whose authority is installed there; the usual proxy variables (`HTTPS_PROXY`,
//! `NO_PROXY`…) are honoured. A request that fails says why in words ([`why`]).

use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub user_agent: String,
    pub min_interval: Duration,
    pub timeout: Duration,
    pub max_retries: u32,
    pub initial_backoff: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            user_agent: concat!("paperboy/", env!("CARGO_PKG_VERSION"), " (self-hosted paper hub)").to_string(),
            min_interval: Duration::from_secs(3),
            timeout: Duration::from_secs(60),
            max_retries: 4,
            initial_backoff: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{url} answered HTTP {status}: {detail}")]
    Client { url: String, status: u16, detail: String, body: String },
    #[error("{url} failed after {attempts} attempts: {last}")]
    GaveUp { url: String, attempts: u32, last: String },
    #[error("invalid URL {0}")]
    BadUrl(String),
}

pub struct PoliteClient {
    client: reqwest::Client,
    settings: HttpSettings,
    /// When the last request was sent; holding the lock serialises requests.
    last: Mutex<Option<Instant>>,
}

impl PoliteClient {
    pub fn new(settings: HttpSettings) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .pool_max_idle_per_host(1)
            .build()
            .expect("TLS backend initialises");
        Self { client, settings, last: Mutex::new(None) }
    }

    /// GETs `url` with `query`, returning the body of a 2xx response.
    pub async fn get(&self, url: &str, query: &[(&str, String)]) -> Result<String, HttpError> {
        let url_obj = reqwest::Url::parse_with_params(url, query).map_err(|_| HttpError::BadUrl(url.to_string()))?;
        let shown = url_obj.to_string();
        let mut backoff = self.settings.initial_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                let mut last = self.last.lock().await;
                if let Some(t) = *last {
                    tokio::time::sleep_until(t + self.settings.min_interval).await;
                }
                *last = Some(Instant::now());
                let r = self.client.get(url_obj.clone()).send().await;
                match r {
                    Ok(resp) => {
                        let status = resp.status();
                        let retry_after = resp
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        read_capped(resp).await.map(|body| (status, body, retry_after))
                    }
                    Err(e) => Err(why(&e)),
                }
            };
            let last_error = match result {
                Ok((status, body, _)) if status.is_success() => return Ok(body),
                Ok((status, body, _)) if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS => {
                    return Err(HttpError::Client {
                        url: shown,
                        status: status.as_u16(),
                        detail: error_detail(&body),
                        body,
                    });
                }
                Ok((status, _, retry_after)) => {
                    if let Some(wait) = retry_after {
                        backoff = backoff.max(wait.min(Duration::from_secs(600)));
                    }
                    format!("HTTP {status}")
                }
                Err(e) => e,
            };
            if attempt > self.settings.max_retries {
                return Err(HttpError::GaveUp { url: shown, attempts: attempt, last: last_error });
            }
            tracing::info!(url = %shown, attempt, error = %last_error, ?backoff, "request failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}

/// The largest response accepted (an OAI-PMH page is a few MB).
const MAX_BODY: usize = 64 << 20;

async fn read_capped(mut resp: reqwest::Response) -> Result<String, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("response larger than {} MiB", MAX_BODY >> 20));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// A short human description from an error body: an Atom error feed's summary, an OAI
/// error element, or the first line of text.
fn error_detail(body: &str) -> String {
    for (open, close) in [("<summary>", "</summary>"), ("<error", "</error>")] {
        if let Some(start) = body.find(open) {
            let rest = &body[start + open.len()..];
            let rest = if open == "<error" { rest.split_once('>').map(|x| x.1).unwrap_or(rest) } else { rest };
            if let Some(end) = rest.find(close) {
                return rest[..end].trim().to_string();
            }
        }
    }
    body.lines().next().unwrap_or("").chars().take(200).collect()
}

/// Why a request failed, in words, with what to do: the certificate was not trusted, the name was not resolved, the
/// connection was refused, it timed out, or the answer's HTTP status.
pub fn why(e: &reqwest::Error) -> String {
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let lower = chain.to_lowercase();
    let reason = if lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("tls") {
        "the server's TLS certificate is not trusted: if HTTPS here goes through a proxy that inspects it, install its \
         certificate authority in the system store (update-ca-certificates) or point SSL_CERT_FILE at it"
    } else if lower.contains("dns error") || lower.contains("failed to lookup") || lower.contains("name or service") {
        "the host name could not be resolved: check the address and this machine's DNS (offline?)"
    } else if lower.contains("connection refused") {
        "the connection was refused: nothing listens at that address (or a firewall refuses it)"
    } else if e.is_timeout() || lower.contains("timed out") {
        "the request timed out: the server or the network is slow or unreachable"
    } else if let Some(status) = e.status() {
        return format!("the server answered HTTP {status}");
    } else if e.is_connect() {
        "the connection could not be made: check the network and any proxy settings (HTTPS_PROXY)"
    } else {
        "the request failed"
    };
    format!("{reason} ({chain})")
}
