//! `Schema::from_toml` on arbitrary text: the schema is user-edited and checked at every cold
//! start, so any input must give a schema or a `SchemaError`, never a panic. A schema that
//! loads must also render every generated artifact.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_initiation::attributes::Schema;
use genesys_as_code::generate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(schema) = Schema::from_toml(text) {
        let _ = generate::artifacts(&schema);
        let _ = generate::output_contract(&schema);
    }
});
