//! The published corpus (`vectors/data/`) as built into this crate by `build.rs`: what a run
//! replays unless it is given another directory.

include!(concat!(env!("OUT_DIR"), "/published.rs"));

/// Every published vector file: its path under `vectors/data/` (`PROFILE/NAME.json`, `/`
/// separated) and its bytes, in path order.
pub fn files() -> &'static [(&'static str, &'static [u8])] {
    FILES
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The embedded corpus is the directory's, file for file and byte for byte.
    #[test]
    fn the_embedded_corpus_is_the_published_directory() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let mut on_disk = 0;
        for profile in std::fs::read_dir(&data).unwrap() {
            let profile = profile.unwrap().path();
            for file in std::fs::read_dir(&profile).unwrap() {
                let file = file.unwrap().path();
                let name = format!(
                    "{}/{}",
                    profile.file_name().unwrap().to_str().unwrap(),
                    file.file_name().unwrap().to_str().unwrap()
                );
                let embedded = super::files().iter().find(|(n, _)| *n == name);
                assert_eq!(
                    embedded.map(|(_, b)| *b),
                    Some(std::fs::read(&file).unwrap().as_slice()),
                    "{name}"
                );
                on_disk += 1;
            }
        }
        assert_eq!(on_disk, super::files().len());
        assert!(on_disk > 40);
    }
}
