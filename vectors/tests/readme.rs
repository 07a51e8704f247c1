//! vectors/README.md's coverage table ("What the files cover") is the data's: one row per file
//! with its number of tests, their results, and for traces how many have a receiver-only role
//! and how many are header-encrypted; and the total of traces. A stale row fails here.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

fn row(name: &str, v: &Value) -> String {
    let groups = v["testGroups"].as_array().expect("testGroups");
    let tests: Vec<&Value> = groups
        .iter()
        .flat_map(|g| g["tests"].as_array().expect("tests"))
        .collect();
    let mut results: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &tests {
        *results
            .entry(t["result"].as_str().expect("result"))
            .or_default() += 1;
    }
    let results: Vec<String> = results.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let traces = if name.contains("/trace_") {
        let one_way = tests.iter().filter(|t| t["receiver"].is_string()).count();
        let he: usize = groups
            .iter()
            .filter(|g| g["headerEncryption"] == true)
            .map(|g| g["tests"].as_array().map_or(0, Vec::len))
            .sum();
        match he {
            0 => format!("{one_way} one-way"),
            _ => format!("{one_way} one-way; {he} header-encrypted"),
        }
    } else {
        String::new()
    };
    format!(
        "| `{name}` | {} | {} | {traces} |",
        tests.len(),
        results.join(", ")
    )
}

#[test]
fn the_coverage_table_is_the_datas() {
    let readme = std::fs::read_to_string(data_dir().join("../README.md")).expect("README");
    let mut want = Vec::new();
    let mut traces = 0;
    for path in files_under(&data_dir()) {
        let name = path.to_string_lossy().replace('\\', "/");
        if !name.ends_with(".json") {
            continue;
        }
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(data_dir().join(&path)).unwrap())
                .unwrap();
        if name.contains("/trace_") {
            traces += v["numberOfTests"].as_u64().expect("numberOfTests");
        }
        want.push(row(&name, &v));
    }
    want.sort();
    let have: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains(".json` |"))
        .collect();
    assert_eq!(
        have, want,
        "vectors/README.md coverage table differs from vectors/data"
    );
    assert!(
        readme.contains(&format!("Traces ({traces} in all)")),
        "vectors/README.md should say Traces ({traces} in all)"
    );
}
