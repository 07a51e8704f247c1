//! Run ProVerif on a proofs folder's models and compare each query's result with its
//! expected.json.

use super::sha256_hex;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest a single model may run before it counts as failed.
pub const MODEL_TIMEOUT: Duration = Duration::from_secs(600);

/// A ProVerif result for one query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `is true.`
    True,
    /// `is false.` (an attack trace was found)
    False,
    /// `cannot be proved.`
    CannotBeProved,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::True => "true",
            Verdict::False => "false",
            Verdict::CannotBeProved => "cannot be proved",
        }
    }

    /// The verdict of a `RESULT ...` line.
    pub fn parse(line: &str) -> Option<Verdict> {
        let line = line.trim_end();
        if line.ends_with("is true.") {
            Some(Verdict::True)
        } else if line.ends_with("is false.") {
            Some(Verdict::False)
        } else if line.ends_with("cannot be proved.") {
            Some(Verdict::CannotBeProved)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// Every query of every model gave its expected result.
    Passed,
    /// Some query differed, or a model was missing, changed, failed or timed out.
    Failed,
    /// `proverif` is not on PATH: nothing was checked.
    ProverifMissing,
}

#[derive(Clone, Debug)]
pub struct QueryResult {
    pub id: String,
    pub expected: String,
    /// None when ProVerif gave no result for it.
    pub observed: Option<Verdict>,
    /// ProVerif's `RESULT` line.
    pub line: Option<String>,
}

impl QueryResult {
    pub fn ok(&self) -> bool {
        self.observed
            .map(|v| v.as_str() == self.expected)
            .unwrap_or(false)
    }
}

#[derive(Clone, Debug)]
pub struct ModelResult {
    pub file: String,
    pub sha256: String,
    pub seconds: f64,
    /// Why the model could not be checked (missing, changed, ProVerif error, timeout).
    pub error: Option<String>,
    pub queries: Vec<QueryResult>,
}

impl ModelResult {
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.queries.iter().all(QueryResult::ok)
    }
}

#[derive(Clone, Debug)]
pub struct CheckResult {
    pub status: CheckStatus,
    pub models: Vec<ModelResult>,
    /// Why the check could not run at all (ProVerif missing, unreadable expected.json).
    pub message: Option<String>,
}

impl CheckResult {
    /// Per model its verdict and time, then one line per query.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if let Some(m) = &self.message {
            out.push_str(m);
            out.push('\n');
        }
        for m in &self.models {
            let state = if m.ok() { "ok" } else { "FAILED" };
            out.push_str(&format!("{} {} ({:.1} s)\n", m.file, state, m.seconds));
            if let Some(e) = &m.error {
                out.push_str(&format!("  error: {e}\n"));
            }
            for q in &m.queries {
                let observed = q.observed.map(Verdict::as_str).unwrap_or("no result");
                let mark = if q.ok() { "ok  " } else { "FAIL" };
                out.push_str(&format!(
                    "  {mark} {}: expected {}, observed {}\n",
                    q.id, q.expected, observed
                ));
            }
        }
        out
    }
}

/// The `proverif` executable on PATH, if any.
pub fn find_proverif() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("proverif"))
        .find(|p| p.is_file())
}

/// ProVerif's own version line (`proverif -help` prints it first), e.g. "Proverif 2.05."
pub fn proverif_version(proverif: &Path) -> Option<String> {
    let out = Command::new(proverif)
        .arg("-help")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let first = text.lines().find(|l| l.starts_with("Proverif "))?;
    Some(first.split(". ").next().unwrap_or(first).to_string())
}

/// Check the models of the proofs folder `dir` (`proverif/*.pv`, against `expected.json`)
/// whose file name `select` accepts, `jobs` ProVerif processes at a time (ProVerif is
/// single-threaded), calling `done` as each model finishes. The results keep the order of
/// expected.json.
pub fn check(
    dir: &Path,
    select: &dyn Fn(&str) -> bool,
    jobs: usize,
    done: &(dyn Fn(&ModelResult) + Sync),
) -> CheckResult {
    let fail = |message: String| CheckResult {
        status: CheckStatus::Failed,
        models: Vec::new(),
        message: Some(message),
    };
    let (models, expected) = (dir.join(super::MODELS), dir.join(super::EXPECTED));
    let doc: serde_json::Value = match std::fs::read_to_string(&expected)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => return fail(format!("cannot read {}: {e}", expected.display())),
    };
    let Some(proverif) = find_proverif() else {
        return CheckResult {
            status: CheckStatus::ProverifMissing,
            models: Vec::new(),
            message: Some(format!(
                "proverif is not on PATH: nothing was checked (the models need ProVerif {}; see proofs/README.md)",
                super::PROVERIF_VERSION
            )),
        };
    };
    let todo: Vec<(String, &serde_json::Value)> = doc["models"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| (m["file"].as_str().unwrap_or_default().to_string(), m))
        .filter(|(file, _)| select(file))
        .collect();
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<ModelResult>>> = Mutex::new(vec![None; todo.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, todo.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((file, m)) = todo.get(i) else { break };
                let result = check_model(&proverif, &models, file, m);
                done(&result);
                if let Ok(mut slots) = slots.lock() {
                    slots[i] = Some(result);
                }
            });
        }
    });
    let results: Vec<ModelResult> = slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let status = if results.len() == todo.len() && results.iter().all(ModelResult::ok) {
        CheckStatus::Passed
    } else {
        CheckStatus::Failed
    };
    CheckResult {
        status,
        models: results,
        message: None,
    }
}

fn check_model(
    proverif: &Path,
    models: &Path,
    file: &str,
    expected: &serde_json::Value,
) -> ModelResult {
    let queries: Vec<(String, String)> = expected["queries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| {
            (
                q["id"].as_str().unwrap_or_default().to_string(),
                q["expected"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut result = ModelResult {
        file: file.to_string(),
        sha256: String::new(),
        seconds: 0.0,
        error: None,
        queries: queries
            .iter()
            .map(|(id, exp)| QueryResult {
                id: id.clone(),
                expected: exp.clone(),
                observed: None,
                line: None,
            })
            .collect(),
    };
    let path = models.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            result.error = Some(format!("cannot read {}: {e}", path.display()));
            return result;
        }
    };
    result.sha256 = sha256_hex(&text);
    if expected["sha256"].as_str() != Some(result.sha256.as_str()) {
        result.error = Some("the model differs from the one expected.json describes (run `e2ee-conform proofs export --out DIR`)".into());
        return result;
    }
    let start = Instant::now();
    let output = run_with_timeout(proverif, &path, MODEL_TIMEOUT);
    result.seconds = start.elapsed().as_secs_f64();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    if let Some(err) = output
        .lines()
        .find(|l| l.starts_with("Error") || l.contains("Fatal error"))
    {
        result.error = Some(format!("ProVerif: {err}"));
    }
    let answers = match answers(&output) {
        Ok(a) => a,
        Err(e) => {
            result.error.get_or_insert(e);
            return result;
        }
    };
    if answers.len() != result.queries.len() && result.error.is_none() {
        result.error = Some(format!(
            "ProVerif gave {} results for {} queries",
            answers.len(),
            result.queries.len()
        ));
    }
    // ProVerif answers the queries in the order the model states them.
    for (q, (verdict, line)) in result.queries.iter_mut().zip(answers) {
        q.observed = Some(verdict);
        q.line = Some(line.to_string());
    }
    result
}

/// ProVerif 2.05's answer to each query in `output`, in order, with its `RESULT` line. The
/// forms it prints (`display.ml`, `piauth.ml` of ProVerif 2.05; `tests/proverif-2.05/` has
/// each, as ProVerif wrote it):
///
/// - `RESULT <query> is true.`, `... is false.`, `... cannot be proved.`: the answer;
/// - after an answer that is not true, lines about a weaker query that are not answers:
///   `RESULT (query encoded as <query>)`, `RESULT (but <query> is true.)`,
///   `RESULT (even <query> is false.)`, `RESULT (even <query> cannot be proved.)`;
/// - for a group of queries proved by induction, interim lines `PARTIAL RESULT <query> is
///   true if the inductive queries can be proved.` (false ones as plain `RESULT` lines), in
///   as many rounds as it takes, then `FINAL RESULT:` and one `RESULT` line per query: when
///   that block is there, it alone is the answer.
///
/// Any other line starting with `RESULT` (Horn-clause input's `RESULT goal unreachable: ...`,
/// `RESULT no biprocess can be computed`) answers no query: an error, not a verdict.
pub fn answers(output: &str) -> Result<Vec<(Verdict, &str)>, String> {
    let lines: Vec<&str> = output.lines().collect();
    let from = lines
        .iter()
        .rposition(|l| l.trim_end() == "FINAL RESULT:")
        .map_or(0, |i| i + 1);
    let mut out = Vec::new();
    for line in &lines[from..] {
        if !line.starts_with("RESULT ") || line.starts_with("RESULT (") {
            continue;
        }
        let verdict = Verdict::parse(line)
            .ok_or_else(|| format!("ProVerif printed a result that answers no query: {line}"))?;
        out.push((verdict, *line));
    }
    Ok(out)
}

/// Run `proverif file`, returning its standard output, killing it after `timeout`.
fn run_with_timeout(proverif: &Path, file: &Path, timeout: Duration) -> Result<String, String> {
    let mut child = Command::new(proverif)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", proverif.display()))?;
    // Both pipes are drained while ProVerif runs, so neither can fill up and stall it.
    fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    }
    let out_reader = drain(child.stdout.take().ok_or("no stdout")?);
    let err_reader = drain(child.stderr.take().ok_or("no stderr")?);
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for ProVerif: {e}")),
        }
    }
    let mut out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    out.push_str(&err);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(
            Verdict::parse("RESULT not attacker_bitstring(s_m1[]) is true."),
            Some(Verdict::True)
        );
        assert_eq!(
            Verdict::parse("RESULT not attacker_bitstring_p1(s_m1[]) is false."),
            Some(Verdict::False)
        );
        assert_eq!(
            Verdict::parse("RESULT event(A(x)) ==> event(B(x)) cannot be proved."),
            Some(Verdict::CannotBeProved)
        );
        assert_eq!(Verdict::parse("RESULT something else"), None);
    }

    /// What ProVerif 2.05 printed for `tests/proverif-2.05/<name>`.
    fn printed(name: &str) -> String {
        let path = Path::new(crate::DIR)
            .join("tests/proverif-2.05")
            .join(format!("{name}.out"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Check a one-model proofs folder against a fake `proverif` that prints what ProVerif
    /// 2.05 printed for `name`, the model's queries expecting `expected`.
    #[cfg(unix)]
    fn check_with_fake(name: &str, expected: &[&str]) -> ModelResult {
        use std::os::unix::fs::PermissionsExt;
        // A folder of its own per call: the tests run at once.
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "e2ee-proofs-fake-proverif-{}-{}-{name}",
            std::process::id(),
            CALLS.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let models = dir.join(crate::MODELS);
        std::fs::create_dir_all(&models).unwrap();
        let out = dir.join("printed.txt");
        std::fs::write(&out, printed(name)).unwrap();
        let fake = dir.join("fake-proverif");
        std::fs::write(&fake, format!("#!/bin/sh\nexec cat '{}'\n", out.display())).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let text = format!("(* stands for {name}.pv *)\n");
        std::fs::write(models.join("m.pv"), &text).unwrap();
        let queries: Vec<serde_json::Value> = expected
            .iter()
            .enumerate()
            .map(|(i, e)| serde_json::json!({"id": format!("q{i}"), "expected": e}))
            .collect();
        let doc = serde_json::json!({"sha256": sha256_hex(&text), "queries": queries});
        let result = check_model(&fake, &models, "m.pv", &doc);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    #[cfg(unix)]
    fn observed(r: &ModelResult) -> Vec<Option<&'static str>> {
        r.queries
            .iter()
            .map(|q| q.observed.map(Verdict::as_str))
            .collect()
    }

    /// Each form ProVerif 2.05 prints, through the checker as `proofs check` runs it.
    #[cfg(unix)]
    #[test]
    fn every_result_form_proverif_prints() {
        let cases: [(&str, &[&str]); 7] = [
            ("true_false", &["true", "false", "false"]),
            ("cannot_be_proved", &["cannot be proved"]),
            // A false injective query, then "(but <non-injective> is true.)".
            ("injective_but", &["false"]),
            // "(even <non-injective> is false.)".
            ("injective_even", &["false"]),
            // "(even <non-injective> cannot be proved.)".
            ("injective_even_cannot", &["cannot be proved"]),
            // "(query encoded as ...)" then "(but ...)".
            ("query_encoded", &["false"]),
            // PARTIAL RESULT lines, a false RESULT line in an interim round, FINAL RESULT:.
            ("final_result", &["true", "false"]),
        ];
        for (name, verdicts) in cases {
            let r = check_with_fake(name, verdicts);
            assert_eq!(r.error, None, "{name}");
            let want: Vec<Option<&str>> = verdicts.iter().map(|v| Some(*v)).collect();
            assert_eq!(observed(&r), want, "{name}");
            assert!(r.ok(), "{name}");
        }
    }

    /// A verdict other than the expected one fails the model, as does a count of answers
    /// other than the model's count of queries, and a RESULT line that answers no query.
    #[cfg(unix)]
    #[test]
    fn results_that_differ_fail() {
        let r = check_with_fake("true_false", &["true", "true", "false"]);
        assert_eq!(r.error, None);
        assert!(!r.ok());
        assert!(!r.queries[1].ok() && r.queries[0].ok() && r.queries[2].ok());
        let r = check_with_fake("final_result", &["true"]);
        assert_eq!(
            r.error.as_deref(),
            Some("ProVerif gave 2 results for 1 queries")
        );
        let r = check_with_fake("horn_goal", &["true"]);
        assert!(
            r.error
                .as_deref()
                .is_some_and(|e| e.contains("RESULT goal unreachable: c:s[]")),
            "{:?}",
            r.error
        );
        assert!(!r.ok());
    }

    /// Without the FINAL RESULT rule the interim rounds would count twice; without skipping
    /// supplemental lines, each "(but ...)" or "(even ...)" would be an answer.
    #[test]
    fn interim_and_supplemental_lines_are_not_answers() {
        let final_result = printed("final_result");
        let a = answers(&final_result).unwrap();
        assert_eq!(
            a,
            vec![
                (Verdict::True, "RESULT not attacker(s[]) is true."),
                (
                    Verdict::False,
                    "RESULT event(B(x_1)) ==> event(A(x_1)) is false."
                ),
            ]
        );
        let query_encoded = printed("query_encoded");
        let a = answers(&query_encoded).unwrap();
        assert_eq!(a.len(), 1);
        assert!(a[0].1.ends_with("public_vars k is false."));
    }
}
