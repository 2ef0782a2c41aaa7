#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::manifest::{parse_fetch, unsafe_path_reason, write_fetch};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (entries, _) = parse_fetch(&text, "fetch.txt");
    for e in &entries {
        assert!(unsafe_path_reason(&e.path).is_none(), "{:?}", e.path);
        assert!(e.path.starts_with("data/"));
    }
    let (back, _) = parse_fetch(&write_fetch(&entries), "fetch.txt");
    let a: Vec<_> = entries.iter().map(|e| (&e.url, e.length, &e.path)).collect();
    let b: Vec<_> = back.iter().map(|e| (&e.url, e.length, &e.path)).collect();
    assert_eq!(a, b);
});
