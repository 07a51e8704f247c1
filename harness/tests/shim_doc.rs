//! SHIM.md's example exchange stays true to the protocol: every request line in it parses
//! as a request of this runner, and every reply line is a well-formed reply to it.

use e2ee_iut::jsonl;

#[test]
fn shim_md_example_parses() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SHIM.md")).unwrap();
    let mut last = None;
    let mut pairs = 0;
    for line in doc.lines() {
        if let Some(req) = line.strip_prefix("> {") {
            let text = format!("{{{req}");
            let (id, request) = jsonl::parse_request_line(&text);
            let request =
                request.unwrap_or_else(|e| panic!("SHIM.md request does not parse: {text}: {e}"));
            last = Some((id.expect("request has an id"), request));
        } else if let Some(rep) = line.strip_prefix("< {") {
            let text = format!("{{{rep}");
            let (id, request) = last.take().expect("a reply follows a request");
            match jsonl::parse_reply_line(&text, id, &request) {
                Ok(_) | Err(e2ee_iut::Failure::Rejected { .. }) => pairs += 1,
                Err(e) => panic!(
                    "SHIM.md reply to {} is malformed: {text}: {e}",
                    request.op()
                ),
            }
        }
    }
    assert!(
        pairs >= 9,
        "the example covers every operation ({pairs} exchanges)"
    );
}
