#![no_main]
use libfuzzer_sys::fuzz_target;
use newsbag::tagfile::BagDeclaration;

fuzz_target!(|data: &[u8]| {
    let (decl, problems) = BagDeclaration::parse(data);
    if let Some(d) = decl
        && problems.is_empty()
    {
        // A declaration accepted without problems writes back to a form
        // that parses to the same value, again without problems.
        let (again, p) = BagDeclaration::parse(&d.to_bytes());
        assert_eq!(again.as_ref(), Some(&d));
        assert!(p.is_empty());
    }
});
