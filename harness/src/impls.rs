//! The implementations `e2ee-conform` knows by name, and `shim:CMD` for anyone else's.

use crate::shim_client::ShimIut;
use e2ee_iut::protocol::{Hello, Iut};
use e2ee_vectors::limits::Declared;
use e2ee_vectors::spec_iut::SpecIut;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Every bundled implementation, in the order `run` without `--impl` runs them.
/// `libsignal` is @signalapp/libsignal-client 0.72.1 (X3DH and PQXDH), `libsignal-0.79` the
/// 0.79.0 package (PQXDH only), both through the one Node shim.
pub const BUNDLED: [&str; 5] = [
    "spec",
    "spec-shim",
    "libsignal",
    "libsignal-0.79",
    "vodozemac",
];

/// The libsignal packages the Node shim carries (npm aliases in its package.json): the
/// bundled implementation's name and the version the shim loads for it.
const LIBSIGNAL_PACKAGES: [(&str, &str); 2] =
    [("libsignal", "0.72.1"), ("libsignal-0.79", "0.79.0")];

pub struct Implementation {
    pub name: String,
    pub iut: Box<dyn Iut>,
    pub hello: Hello,
}

/// The libsignal shim's files, built into the binary so that an installed `e2ee-conform`
/// can run it from any directory: (file name, contents).
const LIBSIGNAL_SHIM: [(&str, &str); 3] = [
    ("shim.js", include_str!("../shims/libsignal-node/shim.js")),
    (
        "package.json",
        include_str!("../shims/libsignal-node/package.json"),
    ),
    (
        "package-lock.json",
        include_str!("../shims/libsignal-node/package-lock.json"),
    ),
];

/// Where the libsignal shim runs from: the source checkout's `harness/shims/libsignal-node`
/// when it holds the same files and its packages are installed (`npm ci` there, as `.ci/run`
/// does), otherwise a folder in the user's cache named after the files' digest, written from
/// the built-in copy (an installed binary's checkout may be gone, or be cargo's own copy).
fn libsignal_dir() -> Result<PathBuf, String> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("shims/libsignal-node");
    let same = |dir: &Path| {
        LIBSIGNAL_SHIM
            .iter()
            .all(|(name, text)| std::fs::read(dir.join(name)).is_ok_and(|b| b == text.as_bytes()))
    };
    if same(&checkout) && installed(&checkout) {
        return Ok(checkout);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or("libsignal: no cache folder for the shim's packages (set XDG_CACHE_HOME or HOME)")?;
    let mut digest = Sha256::new();
    for (name, text) in LIBSIGNAL_SHIM {
        digest.update(name);
        digest.update(text);
    }
    let dir = cache.join("e2ee-conform").join(format!(
        "libsignal-node-{}",
        &hex::encode(digest.finalize())[..16]
    ));
    if !same(&dir) {
        std::fs::create_dir_all(&dir).map_err(|e| format!("libsignal: {}: {e}", dir.display()))?;
        for (name, text) in LIBSIGNAL_SHIM {
            std::fs::write(dir.join(name), text)
                .map_err(|e| format!("libsignal: {}: {e}", dir.join(name).display()))?;
        }
    }
    Ok(dir)
}

/// The expectations file a bundled implementation brings, built in: its known, documented
/// divergences from the spec (reasons point at spec/PROFILES.md). (Where it lives in the
/// repository, its text.)
pub fn bundled_expectations(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "libsignal" => Some((
            "harness/shims/libsignal-node/expectations.json",
            include_str!("../shims/libsignal-node/expectations.json"),
        )),
        "libsignal-0.79" => Some((
            "harness/shims/libsignal-node/expectations-0.79.json",
            include_str!("../shims/libsignal-node/expectations-0.79.json"),
        )),
        "vodozemac" => Some((
            "harness/adapters/vodozemac/expectations.json",
            include_str!("../adapters/vodozemac/expectations.json"),
        )),
        _ => None,
    }
}

/// Start an implementation. `Err` means it cannot be started, or its `hello` declares what
/// no profile has, or limits looser than a profile's or meaningless (SHIM.md §Limits): the run
/// exits 2. `timeout` bounds each request to a subprocess shim, `test_budget` each whole test.
pub fn open(
    name: &str,
    seed: u64,
    timeout: Duration,
    test_budget: Duration,
) -> Result<Implementation, String> {
    let imp = start(name, seed, timeout, test_budget)?;
    e2ee_vectors::engine::check_version_bytes(&imp.hello)
        .map_err(|e| format!("{name}: hello: {e}"))?;
    Declared::of(&imp.hello).map_err(|e| format!("{name}: {e}"))?;
    Ok(imp)
}

fn start(
    name: &str,
    seed: u64,
    timeout: Duration,
    test_budget: Duration,
) -> Result<Implementation, String> {
    let shim = |name: &str, command: Vec<String>| -> Result<Implementation, String> {
        let s = ShimIut::start(&command, timeout)
            .map_err(|e| format!("{name}: {e}"))?
            .with_test_budget(test_budget);
        let hello = s.hello.clone();
        Ok(Implementation {
            name: name.to_string(),
            iut: Box::new(s),
            hello,
        })
    };
    if let Some((_, version)) = LIBSIGNAL_PACKAGES.iter().find(|(n, _)| *n == name) {
        let dir = libsignal_dir()?;
        prepare_node(&dir)?;
        eprintln!(
            "{name}: the shim runs from {} with @signalapp/libsignal-client {version}",
            dir.display()
        );
        return shim(
            name,
            vec![
                "node".into(),
                dir.join("shim.js").display().to_string(),
                version.to_string(),
            ],
        );
    }
    match name {
        "spec" => Ok(Implementation {
            name: name.into(),
            iut: Box::new(SpecIut::new(seed)),
            hello: SpecIut::hello(),
        }),
        "spec-shim" => {
            let exe = std::env::current_exe().map_err(|e| format!("spec-shim: {e}"))?;
            shim(
                name,
                vec![
                    exe.display().to_string(),
                    "shim".into(),
                    "--seed".into(),
                    seed.to_string(),
                ],
            )
        }
        "vodozemac" => {
            let iut = e2ee_adapter_vodozemac::VodozemacIut::default();
            let hello = e2ee_adapter_vodozemac::VodozemacIut::hello();
            Ok(Implementation {
                name: name.into(),
                iut: Box::new(iut),
                hello,
            })
        }
        other => match other.strip_prefix("shim:") {
            Some(cmd) if !cmd.trim().is_empty() => {
                shim(other, vec!["sh".into(), "-c".into(), format!("exec {cmd}")])
            }
            _ => Err(format!(
                "unknown implementation {other:?} (known: {}, or shim:COMMAND)",
                BUNDLED.join(", ")
            )),
        },
    }
}

/// Whether the shim's pinned packages are all installed in `dir`.
fn installed(dir: &Path) -> bool {
    LIBSIGNAL_PACKAGES.iter().all(|(_, version)| {
        dir.join(format!(
            "node_modules/libsignal-client-{version}/package.json"
        ))
        .exists()
    })
}

/// Make sure Node.js is there and the shim's pinned packages are installed (`npm ci`).
fn prepare_node(dir: &Path) -> Result<(), String> {
    let node = Command::new("node").arg("--version").output();
    if !matches!(&node, Ok(o) if o.status.success()) {
        return Err(
            "libsignal: Node.js is not installed (the libsignal shim runs on node >= 18)".into(),
        );
    }
    if installed(dir) {
        return Ok(());
    }
    eprintln!(
        "libsignal: installing the pinned @signalapp/libsignal-client with `npm ci` in {}",
        dir.display()
    );
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("libsignal: cannot run npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "libsignal: `npm ci` failed in {} ({status}); it needs npm and access to the npm \
             registry once, to install the pinned @signalapp/libsignal-client",
            dir.display()
        ))
    }
}
