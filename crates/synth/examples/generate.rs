//! Generate a synthetic year without the query engine, for benchmarking the generator:
//! the same library call as `crimescope generate`.
//!
//! ```text
//! cargo run --release -p crimescope-synth --example generate -- national 2025 42 OUT
//! ```

use crimescope_synth::{GenerateOptions, Scale, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [scale, year, seed, out] = args.as_slice() else {
        return Err("usage: generate SCALE YEAR SEED OUT".into());
    };
    let options = GenerateOptions::new(Scale::parse(scale)?, year.parse()?, seed.parse()?, out.into());
    let report = generate(&options)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
