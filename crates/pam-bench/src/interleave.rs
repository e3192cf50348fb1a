//! Measuring several contenders in one run, interleaved, so that drift cancels.
//!
//! Each contender runs in batches sized to take about the same time. A round runs one batch
//! of every contender, starting with a different contender each round; many rounds give
//! each contender a series of per-operation times, whose medians are compared. Whatever the
//! machine does meanwhile (frequency changes, a neighbour's build) hits every contender in
//! the same rounds, and the median drops the rounds it hit hardest.

use std::time::{Duration, Instant};

use crate::stats::median;

/// One thing to time: a closure that performs its operation `n` times.
pub(crate) struct Contender<'a> {
    run: Box<dyn FnMut(u64) + 'a>,
}

impl std::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contender")
    }
}

impl<'a> Contender<'a> {
    /// A contender whose `run(n)` performs the operation `n` times (use
    /// [`std::hint::black_box`] on inputs and results).
    pub(crate) fn new(run: impl FnMut(u64) + 'a) -> Self {
        Contender { run: Box::new(run) }
    }
}

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Rounds (each contender gets one batch per round).
    pub(crate) rounds: usize,
    /// How long one batch should take.
    pub(crate) batch: Duration,
}

/// The median time of one operation of each contender, in nanoseconds, in the order given.
pub(crate) fn medians(plan: Plan, contenders: &mut [Contender<'_>]) -> Vec<f64> {
    samples(plan, contenders)
        .iter()
        .map(|s| median(s))
        .collect()
}

/// Per-operation times in nanoseconds: one series per contender, one sample per round.
pub(crate) fn samples(plan: Plan, contenders: &mut [Contender<'_>]) -> Vec<Vec<f64>> {
    let sizes: Vec<u64> = contenders
        .iter_mut()
        .map(|c| batch_size(&mut c.run, plan.batch))
        .collect();
    let mut out = vec![Vec::with_capacity(plan.rounds); contenders.len()];
    let count = contenders.len();
    for round in 0..plan.rounds {
        for k in 0..count {
            let i = (round + k) % count;
            let n = sizes[i];
            let start = Instant::now();
            (contenders[i].run)(n);
            out[i].push(start.elapsed().as_nanos() as f64 / n as f64);
        }
    }
    out
}

/// How many operations take about `target` (at least one); warms the contender up on the way.
fn batch_size(run: &mut dyn FnMut(u64), target: Duration) -> u64 {
    let mut n: u64 = 1;
    loop {
        let start = Instant::now();
        run(n);
        let took = start.elapsed();
        if took >= target / 4 || n >= 1 << 30 {
            let per_op = took.as_nanos().max(1) as f64 / n as f64;
            return ((target.as_nanos() as f64 / per_op) as u64).max(1);
        }
        n *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contender_gets_every_round() {
        let mut a = 0u64;
        let mut b = 0u64;
        let plan = Plan {
            rounds: 5,
            batch: Duration::from_micros(50),
        };
        let series = {
            let mut contenders = [
                Contender::new(|n| a += n),
                Contender::new(|n| {
                    for _ in 0..n {
                        b = std::hint::black_box(b + 1);
                    }
                }),
            ];
            samples(plan, &mut contenders)
        };
        assert_eq!(series.len(), 2);
        assert!(series.iter().all(|s| s.len() == 5));
        assert!(a > 0 && b > 0);
    }
}
