//! The implementations `e2ee-conform` knows by name, and `shim:CMD` for anyone else's.

use crate::shim_client::ShimIut;
use e2ee_iut::protocol::{Hello, Iut};
use e2ee_vectors::spec_iut::SpecIut;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Every bundled implementation, in the order `run` without `--impl` runs them.
pub const BUNDLED: [&str; 4] = ["spec", "spec-shim", "libsignal", "vodozemac"];

pub struct Implementation {
    pub name: String,
    pub iut: Box<dyn Iut>,
    pub hello: Hello,
}

/// The libsignal shim's directory (`harness/shims/libsignal-node`).
pub fn libsignal_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shims")
        .join("libsignal-node")
}

/// The expectations file a bundled implementation brings: its known, documented
/// divergences from the spec (reasons point at spec/PROFILES.md).
pub fn bundled_expectations(name: &str) -> Option<PathBuf> {
    let path = match name {
        "libsignal" => libsignal_dir().join("expectations.json"),
        "vodozemac" => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("adapters/vodozemac/expectations.json")
        }
        _ => return None,
    };
    path.exists().then_some(path)
}

/// Start an implementation. `Err` means it cannot be started (the run exits 2).
pub fn open(name: &str, seed: u64, timeout: Duration) -> Result<Implementation, String> {
    let shim = |name: &str, command: Vec<String>| -> Result<Implementation, String> {
        let s = ShimIut::start(&command, timeout).map_err(|e| format!("{name}: {e}"))?;
        let hello = s.hello.clone();
        Ok(Implementation {
            name: name.to_string(),
            iut: Box::new(s),
            hello,
        })
    };
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
        "libsignal" => {
            let dir = libsignal_dir();
            prepare_node(&dir)?;
            shim(
                name,
                vec!["node".into(), dir.join("shim.js").display().to_string()],
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

/// Make sure Node.js is there and the shim's pinned packages are installed (`npm ci`).
fn prepare_node(dir: &Path) -> Result<(), String> {
    let node = Command::new("node").arg("--version").output();
    if !matches!(&node, Ok(o) if o.status.success()) {
        return Err(
            "libsignal: Node.js is not installed (the libsignal shim runs on node >= 18)".into(),
        );
    }
    if dir
        .join("node_modules")
        .join("@signalapp")
        .join("libsignal-client")
        .exists()
    {
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
            "libsignal: `npm ci` failed in {} ({status})",
            dir.display()
        ))
    }
}
