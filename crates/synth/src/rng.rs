//! Seeded random streams.
//!
//! Every piece of generated data draws from its own ChaCha8 stream, derived from the
//! user's seed and a label naming the piece (`"crimes/west-midlands/2025"`). Pieces can
//! then be generated in any order, on any number of threads, and the bytes are the same.
//! ChaCha8 is specified and portable (Bernstein 2008; `rand_chacha`), unlike `StdRng`,
//! whose algorithm may change between releases.

use rand::SeedableRng;
use rand::distr::{Distribution, weighted::WeightedIndex};
pub use rand::{Rng, RngCore};
pub use rand_chacha::ChaCha8Rng;

/// FNV-1a 64-bit hash of a label: stable across platforms and releases.
pub fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The stream for `label` under `seed`.
pub fn stream(seed: u64, label: &str) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&fnv1a(label).to_le_bytes());
    key[16..24].copy_from_slice(&fnv1a(&format!("{label}#{seed}")).to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// A fixed table of weights to sample indices from (Walker-style via `WeightedIndex`).
pub struct Weighted {
    index: WeightedIndex<f64>,
}

impl Weighted {
    /// A sampler over `weights` (all non-negative, not all zero).
    pub fn new(weights: &[f64]) -> Weighted {
        let index = WeightedIndex::new(weights.iter().map(|w| w.max(0.0)))
            .unwrap_or_else(|_| WeightedIndex::new([1.0]).expect("one weight"));
        Weighted { index }
    }

    /// Draw an index.
    pub fn sample(&self, rng: &mut impl Rng) -> usize {
        self.index.sample(rng)
    }
}

/// A standard normal variate (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// An exponential variate with the given mean.
pub fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| stream(42, "x").next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(stream(42, "x").next_u64(), stream(42, "y").next_u64());
        assert_ne!(stream(42, "x").next_u64(), stream(43, "x").next_u64());
        // The published FNV-1a 64-bit test vectors (Fowler, Noll & Vo).
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
