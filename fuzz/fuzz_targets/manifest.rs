#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::checksum::Algorithm;
use newsbag::manifest::{parse_manifest, unsafe_path_reason, write_manifest};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for algorithm in [None, Some(Algorithm::Md5), Some(Algorithm::Sha256)] {
        let (entries, _) = parse_manifest(&text, "manifest-x.txt", algorithm, true);
        for e in &entries {
            // Nothing a parser accepts may lead out of the bag.
            assert!(unsafe_path_reason(&e.path).is_none(), "{:?}", e.path);
        }
        // Write → parse is the identity on what was accepted.
        let written = write_manifest(entries.iter().map(|e| (e.path.as_str(), &e.digest)));
        let (back, _) = parse_manifest(&written, "manifest-x.txt", algorithm, true);
        let a: Vec<_> = entries.iter().map(|e| (&e.path, &e.digest)).collect();
        let b: Vec<_> = back.iter().map(|e| (&e.path, &e.digest)).collect();
        assert_eq!(a, b);
    }
});
