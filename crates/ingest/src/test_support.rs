//! Helpers shared by the crate's unit tests.

/// Marsaglia's xorshift64 (*Xorshift RNGs*, J. Stat. Softw. 8(14), 2003; shifts 13, 7,
/// 17): seeded pseudo-random numbers, the same on every run. `seed` must not be 0.
pub(crate) fn xorshift64(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
