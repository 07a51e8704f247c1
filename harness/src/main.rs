//! `e2ee-conform`: run the conformance suite against implementations, serve the spec as a
//! shim, generate and check vectors, export proof obligations.

use clap::{Parser, Subcommand};
use e2ee_harness::corpus;
use e2ee_harness::expectations::{self, Expectations};
use e2ee_harness::impls;
use e2ee_harness::report::{self, Counts, Status};
use e2ee_harness::suite::{self, Options, RunMode};
use e2ee_spec::Profile;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "e2ee-conform",
    version,
    about = "Conformance suite for end-to-end encrypted messaging protocols"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite. Without --impl: every bundled implementation in every mode it supports.
    Run(RunArgs),
    /// List the bundled implementations and the tests a run would include.
    List(RunArgs),
    /// Serve the spec over shim protocol v1 on stdin/stdout (the reference shim).
    Shim {
        /// Seed for randomness the runner does not inject.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Published test vectors.
    Vectors {
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// Proof obligations: ProVerif models generated from the spec, and their check.
    Proofs {
        #[command(subcommand)]
        command: ProofsCommand,
    },
}

#[derive(Subcommand)]
enum ProofsCommand {
    /// Write the ProVerif models and their expected results, generated from the spec, into a
    /// proofs folder: DIR/proverif/*.pv, DIR/expected.json, DIR/obligations.json, nothing else.
    Export {
        #[arg(long, value_name = "DIR", default_value = e2ee_proofs::DIR)]
        out: PathBuf,
    },
    /// Run `proverif` on every model of a proofs folder (DIR/proverif) and compare each result
    /// with the expected one (DIR/expected.json).
    /// Exit 0: all as expected; 1: a result differs or a model failed; 3: proverif not on PATH.
    Check {
        #[arg(long, value_name = "DIR", default_value = e2ee_proofs::DIR)]
        dir: PathBuf,
        /// Only the models whose file name contains this.
        #[arg(long)]
        only: Option<String>,
        /// Write what ProVerif answered into the folder's run record (DIR/results.json).
        #[arg(long)]
        record: bool,
        /// ProVerif processes at a time (default: one per hardware thread).
        #[arg(long)]
        jobs: Option<usize>,
    },
}

/// `proofs check` when there is no ProVerif to run: not a success, and not a failed proof.
const EXIT_PROVERIF_MISSING: u8 = 3;

#[derive(Subcommand)]
enum VectorsCommand {
    /// Rewrite the vector files (and, beside them, their schemas) from the spec,
    /// byte-for-byte reproducibly.
    Generate {
        #[arg(long, default_value = default_vectors())]
        out: PathBuf,
    },
    /// Replay every vector file against the spec.
    Check {
        #[arg(long, default_value = default_vectors())]
        dir: PathBuf,
    },
}

const fn default_vectors() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/data")
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// spec, spec-shim, libsignal, vodozemac, or shim:COMMAND (repeatable).
    #[arg(long = "impl")]
    impls: Vec<String>,
    /// Comma-separated: kat, interop, props.
    #[arg(long, value_delimiter = ',', default_value = "kat,interop,props")]
    mode: Vec<String>,
    /// modern, signal-v3, olm-v1 (repeatable; default all).
    #[arg(long)]
    profile: Vec<String>,
    /// Property-mode cases per profile and role.
    #[arg(long, default_value_t = 64)]
    cases: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only tests whose id matches this glob (e.g. 'kat/signal-v3/*').
    #[arg(long)]
    filter: Option<String>,
    /// Run shard K of N (1-based), e.g. 2/4.
    #[arg(long)]
    shard: Option<String>,
    /// Expectations file: JSON object of test-id glob -> reason it is known to fail.
    #[arg(long)]
    expect: Option<PathBuf>,
    #[arg(long)]
    report_json: Option<PathBuf>,
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Run the trace tests of this file (e.g. a shrunk property failure) instead of the suite.
    #[arg(long)]
    replay: Option<PathBuf>,
    #[arg(long, default_value = default_vectors())]
    vectors: PathBuf,
    /// Per-request timeout for subprocess shims.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Where property-mode failures are written.
    #[arg(long, default_value = "e2ee-conform-failures")]
    failures_dir: PathBuf,
    /// Also fail (exit 1) on unexpected passes, unused error maps and passes with notes
    /// (weaker checks, e.g. an error class the implementation cannot report).
    #[arg(long)]
    strict: bool,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("e2ee-conform: {msg}");
    ExitCode::from(2)
}

fn options(args: &RunArgs) -> Result<Options, String> {
    let modes = args
        .mode
        .iter()
        .map(|m| match m.as_str() {
            "kat" => Ok(RunMode::Kat),
            "interop" => Ok(RunMode::Interop),
            "props" => Ok(RunMode::Props),
            other => Err(format!("unknown mode {other:?} (kat, interop, props)")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let profiles = if args.profile.is_empty() {
        Profile::ALL.to_vec()
    } else {
        args.profile
            .iter()
            .map(|p| Profile::from_name(p).ok_or(format!("unknown profile {p:?}")))
            .collect::<Result<_, _>>()?
    };
    let filter = args
        .filter
        .as_deref()
        .map(glob::Pattern::new)
        .transpose()
        .map_err(|e| format!("bad --filter: {e}"))?;
    let shard = match &args.shard {
        None => None,
        Some(s) => {
            let (k, n) = s.split_once('/').ok_or("--shard is K/N")?;
            let (k, n): (usize, usize) = (
                k.parse().map_err(|_| "--shard K")?,
                n.parse().map_err(|_| "--shard N")?,
            );
            if n == 0 || k == 0 || k > n {
                return Err("--shard K/N needs 1 <= K <= N".into());
            }
            Some((k, n))
        }
    };
    Ok(Options {
        modes,
        profiles,
        vectors: args.vectors.clone(),
        cases: args.cases,
        seed: args.seed,
        filter,
        shard,
        failures_dir: args.failures_dir.clone(),
    })
}

fn run(args: RunArgs, list_only: bool) -> ExitCode {
    let opts = match options(&args) {
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    // Output paths are checked before a run that may take minutes, not after it.
    for path in [&args.report_json, &args.junit].into_iter().flatten() {
        if let Err(e) = std::fs::write(path, "") {
            return usage(format!("{}: {e}", path.display()));
        }
    }
    // Every profile's vectors load, whatever this run selects: the digest then names the
    // same corpus in every shard, and stale expectations are judged against every test.
    let corpus = match corpus::load(&opts.vectors, &Profile::ALL) {
        Ok(c) => c,
        Err(e) => return usage(format!("vectors: {e}")),
    };
    // An explicit --expect file applies to every implementation; without one, a bundled
    // implementation brings its own (BoGo style: the known failures live with the shim).
    let explicit = match &args.expect {
        Some(p) => match Expectations::load(p) {
            Ok(e) => Some(e),
            Err(e) => return usage(e),
        },
        None => None,
    };
    let names: Vec<String> = if args.impls.is_empty() {
        impls::BUNDLED.iter().map(|s| s.to_string()).collect()
    } else {
        args.impls.clone()
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut out = std::io::stdout().lock();
    let mut results = Vec::new();
    let mut hellos = Vec::new();
    let mut stale = Vec::new();
    let mut unused_maps = Vec::new();
    let mut universes = Vec::new();
    for name in &names {
        let mut imp = match impls::open(name, opts.seed, timeout) {
            Ok(i) => i,
            Err(e) => return usage(format!("cannot start implementation: {e}")),
        };
        let known = match (&explicit, impls::bundled_expectations(name)) {
            (Some(e), _) => e.clone(),
            (None, Some(path)) => match Expectations::load(&path) {
                Ok(e) => {
                    let _ = writeln!(out, "{name}: known failures from {}", path.display());
                    e
                }
                Err(e) => return usage(e),
            },
            (None, None) => Expectations::default(),
        };
        hellos.push((name.clone(), imp.hello.clone()));
        let all = suite::plan_all(&imp.hello, &corpus, opts.seed);
        let universe: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
        let first = results.len();
        if let Some(path) = &args.replay {
            match suite::replay(&mut imp, path, &known) {
                Ok(rs) => results.extend(rs),
                Err(e) => return usage(e),
            }
        } else {
            let plan = suite::select(all, &opts);
            if list_only {
                let listed = writeln!(
                    out,
                    "{name}: {} {} [{}] — {} tests",
                    imp.hello.name,
                    imp.hello.version,
                    imp.hello.capabilities.join(", "),
                    plan.len()
                )
                .and_then(|()| plan.iter().try_for_each(|p| writeln!(out, "  {}", p.id)));
                if listed.is_err() {
                    // A closed pipe (`list | head`): the reader has what it wanted.
                    return ExitCode::SUCCESS;
                }
                continue;
            }
            let mut progress = Progress::new(name, plan.len());
            for planned in &plan {
                progress.before(planned);
                results.push(suite::run_one(&mut imp, planned, &opts, &known));
                progress.after();
            }
            progress.finish();
        }
        known.apply(&mut results[first..]);
        // A bundled file is judged against its own implementation here; an explicit one
        // against every implementation of the run, after the loop.
        if explicit.is_none() {
            unused_maps.extend(named(expectations::unused_error_maps(
                &known,
                &results[first..],
            )));
            stale.extend(named(known.stale(&[(name.clone(), universe)])));
        } else {
            universes.push((name.clone(), universe));
        }
        for r in results[first..].iter().filter(|r| r.mode == "props") {
            let _ = writeln!(out, "{name} props {}: {}", r.id, r.detail);
        }
    }
    if list_only {
        return ExitCode::SUCCESS;
    }
    if let Some(e) = &explicit {
        unused_maps.extend(named(expectations::unused_error_maps(e, &results)));
        stale.extend(named(e.stale(&universes)));
    }
    let meta = report::RunInfo {
        suite_version: env!("CARGO_PKG_VERSION"),
        corpus_dir: corpus.dir.display().to_string(),
        corpus_files: corpus.files,
        corpus_digest: corpus.digest.clone(),
        seed: opts.seed,
        implementations: hellos,
        strict: args.strict,
    };
    let unexpected = expectations::unexpected_passes(&results);
    let _ = write!(
        out,
        "{}",
        report::summary(&meta, &results, &stale, &unexpected, &unused_maps)
    );
    if let Some(p) = &args.report_json {
        if let Err(e) = std::fs::write(
            p,
            report::json(&meta, &results, &stale, &unexpected, &unused_maps),
        ) {
            return usage(format!("{}: {e}", p.display()));
        }
    }
    if let Some(p) = &args.junit {
        if let Err(e) = std::fs::write(p, report::junit(&meta, &results)) {
            return usage(format!("{}: {e}", p.display()));
        }
    }
    let counts = Counts::of(&results);
    if counts.passed + counts.failed + counts.expected_failures + counts.suite_errors == 0 {
        return usage("no test ran (every test was skipped or filtered out): nothing was checked");
    }
    if counts.suite_errors > 0 {
        // Neither a pass nor the implementations' failure: the suite itself is at fault.
        return usage(format!(
            "{} suite errors: tests the suite could not judge (listed above)",
            counts.suite_errors
        ));
    }
    let strict_failures = unexpected.len()
        + unused_maps.len()
        + results
            .iter()
            .filter(|r| r.status == Status::Pass && !r.notes.is_empty())
            .count();
    if counts.failed > 0 || (args.strict && strict_failures > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Expectations entries as a report names them: key and file.
fn named(entries: Vec<&expectations::Entry>) -> Vec<String> {
    entries
        .into_iter()
        .map(|e| format!("{} in {}", e.key, e.source))
        .collect()
}

/// Progress: a bar on a terminal; elsewhere (CI logs) a line when a mode starts and at
/// least one every 10 s from a ticker thread, so a long run (or one long test) is never silent.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    state: std::sync::Arc<std::sync::Mutex<(usize, String)>>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    ticker: Option<std::thread::JoinHandle<()>>,
    name: String,
    len: usize,
    mode: &'static str,
}

impl Progress {
    fn new(name: &str, len: usize) -> Progress {
        let bar = progress(name, len);
        let state = std::sync::Arc::new(std::sync::Mutex::new((0, String::new())));
        let (stop, ticker) = if bar.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let (state, name) = (state.clone(), name.to_string());
            let ticker = std::thread::spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(Duration::from_secs(10))
                {
                    if let Ok(s) = state.lock() {
                        eprintln!("{name}: {}/{len} tests done, running {}", s.0, s.1);
                    }
                }
            });
            (Some(tx), Some(ticker))
        } else {
            (None, None)
        };
        Progress {
            bar,
            state,
            stop,
            ticker,
            name: name.to_string(),
            len,
            mode: "",
        }
    }

    fn before(&mut self, planned: &suite::Planned) {
        if let Some(b) = &self.bar {
            b.set_message(planned.id.clone());
            return;
        }
        let done = match self.state.lock() {
            Ok(mut s) => {
                s.1 = planned.id.clone();
                s.0
            }
            Err(_) => 0,
        };
        let mode = planned.mode.name();
        if mode != self.mode {
            self.mode = mode;
            eprintln!("{}: {mode}: {done}/{} tests done", self.name, self.len);
        }
    }

    fn after(&mut self) {
        if let Ok(mut s) = self.state.lock() {
            s.0 += 1;
        }
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn finish(self) {
        drop(self.stop);
        if let Some(t) = self.ticker {
            let _ = t.join();
        }
        let done = self.state.lock().map(|s| s.0).unwrap_or(0);
        match self.bar {
            Some(b) => b.finish_and_clear(),
            None => eprintln!("{}: {done}/{} tests done", self.name, self.len),
        }
    }
}

fn progress(name: &str, len: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    let style =
        indicatif::ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {wide_msg}")
            .ok()?;
    bar.set_style(style.progress_chars("=> "));
    bar.set_prefix(name.to_string());
    Some(bar)
}

fn vectors(command: VectorsCommand) -> ExitCode {
    match command {
        VectorsCommand::Generate { out } => match generate(&out) {
            Ok(files) => {
                println!("wrote {} files to {}", files.len(), out.display());
                ExitCode::SUCCESS
            }
            Err(e) => usage(format!("{}: {e}", out.display())),
        },
        VectorsCommand::Check { dir } => check_vectors(&dir),
    }
}

/// The vector files into `out`, and the JSON Schemas they pin into `out/../schema`.
fn generate(out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = e2ee_vectors::generate::write_all(out)?;
    let schema_dir = out.parent().unwrap_or(Path::new(".")).join("schema");
    files.extend(e2ee_vectors::schema::write_all(&schema_dir)?);
    Ok(files)
}

/// Known-answer files are re-derived with the spec; trace files are replayed against it.
fn check_vectors(dir: &Path) -> ExitCode {
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut files: Vec<PathBuf> = Vec::new();
    for profile in Profile::ALL {
        if let Ok(rd) = std::fs::read_dir(dir.join(profile.name())) {
            files.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json")),
            );
        }
    }
    files.sort();
    if files.is_empty() {
        return usage(format!("no vector files under {}", dir.display()));
    }
    for path in files {
        let (p, f, errors) = match e2ee_vectors::kat::check_file(&path) {
            Ok(c) => (c.passed, c.failed, c.failures),
            Err(e) => (0, 1, vec![e]),
        };
        println!("{}: {p} passed, {f} failed", path.display());
        for e in errors.iter().take(10) {
            println!("  {e}");
        }
        passed += p;
        failed += f;
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn proofs(command: ProofsCommand) -> ExitCode {
    use e2ee_proofs as proofs;
    match command {
        ProofsCommand::Export { out } => match proofs::export(&out, &proofs::models()) {
            Ok(files) => {
                println!("wrote {} files to {}", files.len(), out.display());
                ExitCode::SUCCESS
            }
            Err(e) => usage(format!("proofs export: {e}")),
        },
        ProofsCommand::Check {
            dir,
            only,
            record,
            jobs,
        } => {
            let select = |file: &str| only.as_deref().is_none_or(|o| file.contains(o));
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let finished = std::sync::atomic::AtomicUsize::new(0);
            let progress = |m: &proofs::ModelResult| {
                let n = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                let state = if m.ok() { "ok" } else { "FAILED" };
                eprintln!("[{n}] {} {state} ({:.1} s)", m.file, m.seconds);
            };
            let result = proofs::check(&dir, &select, jobs, &progress);
            print!("{}", result.summary());
            match result.status {
                proofs::CheckStatus::ProverifMissing => {
                    return ExitCode::from(EXIT_PROVERIF_MISSING)
                }
                _ if result.models.is_empty() && result.message.is_some() => {
                    return ExitCode::from(1)
                }
                _ if result.models.is_empty() => {
                    return usage(format!("no model in {} matches", dir.display()))
                }
                _ => {}
            }
            if record {
                let path = dir.join(proofs::RECORD);
                let tool = proofs::find_proverif()
                    .and_then(|p| proofs::proverif_version(&p))
                    .unwrap_or_else(|| "Proverif (unknown version)".into());
                match proofs::write_record(&path, &result, &tool) {
                    Ok(n) => println!("recorded {n} models in {}", path.display()),
                    Err(e) => return usage(format!("{}: {e}", path.display())),
                }
            }
            let (ok, all) = (
                result.models.iter().filter(|m| m.ok()).count(),
                result.models.len(),
            );
            println!("{ok} of {all} models gave every expected result");
            if result.status == proofs::CheckStatus::Passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args, false),
        Command::List(args) => run(args, true),
        Command::Shim { seed } => match e2ee_harness::shim_server::serve(seed) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage(format!("shim: {e}")),
        },
        Command::Vectors { command } => vectors(command),
        Command::Proofs { command } => proofs(command),
    }
}
