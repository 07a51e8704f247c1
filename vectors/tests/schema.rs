//! Every committed vector file validates against the schema it pins, and says what it
//! tests: every flag is a note, every negative test has a flag.

mod common;

use common::*;
use serde_json::Value;

fn load(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_file_validates_against_its_schema() {
    let files = files_under(&data_dir());
    assert!(
        !files.is_empty(),
        "no vectors under {}; {REGENERATE}",
        data_dir().display()
    );
    for rel in files {
        let file = load(&data_dir().join(&rel));
        let name = file["schema"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no schema field", rel.display()));
        let schema = load(&schema_dir().join(name));
        let validator =
            jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&file)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not validate against {name}:\n{}",
            rel.display(),
            errors.join("\n")
        );
    }
}

#[test]
fn schemas_are_valid_draft_2020_12() {
    for rel in files_under(&schema_dir()) {
        let schema = load(&schema_dir().join(&rel));
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema",
            "{}",
            rel.display()
        );
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{} is not a valid schema: {e}", rel.display());
        }
    }
}

#[test]
fn schemas_are_closed() {
    // additionalProperties: false on every object schema.
    fn walk(v: &Value, path: &str) {
        match v {
            Value::Object(m) => {
                if m.get("type") == Some(&Value::from("object")) && m.contains_key("properties") {
                    assert_eq!(
                        m.get("additionalProperties"),
                        Some(&Value::Bool(false)),
                        "open object at {path}"
                    );
                }
                for (k, x) in m {
                    walk(x, &format!("{path}/{k}"));
                }
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| walk(x, &format!("{path}/{i}"))),
            _ => {}
        }
    }
    for rel in files_under(&schema_dir()) {
        walk(&load(&schema_dir().join(&rel)), &rel.display().to_string());
    }
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    let generated = e2ee_vectors::schema::schemas();
    let committed = files_under(&schema_dir());
    let names: Vec<String> = generated.iter().map(|(n, _)| n.to_string()).collect();
    let committed_names: Vec<String> = committed.iter().map(|p| p.display().to_string()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        committed_names, sorted,
        "vectors/schema is stale; {REGENERATE}"
    );
    for (name, schema) in generated {
        let text = std::fs::read_to_string(schema_dir().join(name)).expect("schema file");
        assert!(
            text == e2ee_vectors::schema::render(&schema),
            "vectors/schema/{name} is stale; {REGENERATE}"
        );
    }
}

#[test]
fn flags_are_notes_and_negative_tests_are_flagged() {
    for rel in files_under(&data_dir()) {
        let file = load(&data_dir().join(&rel));
        let notes = file["notes"].as_object().expect("notes");
        let mut used = std::collections::BTreeSet::new();
        let mut count = 0;
        for group in file["testGroups"].as_array().expect("groups") {
            for test in group["tests"].as_array().expect("tests") {
                count += 1;
                let id = test["tcId"].as_str().unwrap_or_default();
                let flags: Vec<&str> = test["flags"]
                    .as_array()
                    .expect("flags")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                for f in &flags {
                    assert!(
                        notes.contains_key(*f),
                        "{}: {id}: flag {f} is not a key of notes",
                        rel.display()
                    );
                    used.insert(f.to_string());
                }
                let expects_error = test["steps"]
                    .as_array()
                    .map(|steps| steps.iter().any(|s| s["expect"].get("error").is_some()))
                    .unwrap_or(false);
                let negative = test["result"] != "valid" || expects_error;
                assert!(
                    !negative || !flags.is_empty(),
                    "{}: negative test {id} has no flag",
                    rel.display()
                );
            }
        }
        assert_eq!(
            file["numberOfTests"],
            count,
            "{}: numberOfTests",
            rel.display()
        );
        let unused: Vec<&String> = notes.keys().filter(|k| !used.contains(*k)).collect();
        assert!(
            unused.is_empty(),
            "{}: notes never used: {unused:?}",
            rel.display()
        );
    }
}

#[test]
fn test_ids_are_unique_per_file() {
    for rel in files_under(&data_dir()) {
        let file = load(&data_dir().join(&rel));
        let mut seen = std::collections::BTreeSet::new();
        for group in file["testGroups"].as_array().expect("groups") {
            for test in group["tests"].as_array().expect("tests") {
                let id = test["tcId"].as_str().unwrap_or_default().to_string();
                assert!(
                    seen.insert(id.clone()),
                    "{}: duplicate tcId {id}",
                    rel.display()
                );
            }
        }
    }
}
