/**
 * How much one answer on a pair says about its log-ratio `d = ℓ_b − ℓ_a`, for the log fits' sampler. A juror is
 * taken to perceive `d + s·ε` (ε standard logistic, so that the winner follows Bradley–Terry when s = 1) and to state
 * the offered ratio nearest to the perceived one in log space ("about equal" below half the smallest). Such an answer
 * `c` has a mean `m(d)` that flattens once |d| nears the largest ratio on offer (the answers saturate and are biased
 * towards 0), so a far pair tells little and misleads: with `count` answers in the group the fit's error from one
 * more answer is its variance plus its bias `m(d) − d`, which does not average away, `count` times over; the
 * information is `m'(d)² / (Var(c | d) + count · (m(d) − d)²)`. The noise scale s is the one whose answers on an even
 * pair have the fit's residual variance, `Var(c | 0) = σ²`. Without offered ratios (typed ones) it is 1/σ².
 */
export function answerInformation(ratios: readonly number[], noise: number, count: number): (d: number) => number {
  const levels = ratios.map(Math.log);
  // upper thresholds of each answer on the positive side: equal, then each offered ratio
  const cuts = levels.map((l, k) => (k === 0 ? l / 2 : (levels[k - 1]! + l) / 2));
  const answerMoments = (d: number, s: number) => {
    // answers c ∈ {−levels…, 0, levels…}: the probability of each from the logistic distribution of the perception
    const F = (t: number) => 1 / (1 + Math.exp(-(t - d) / s));
    const f = (t: number) => {
      const e = Math.exp(-Math.abs(t - d) / s);
      return e / (s * (1 + e) ** 2);
    };
    let mean = 0;
    let square = 0;
    let slope = 0;
    for (let k = 0; k < levels.length; k++) {
      const lo = cuts[k]!;
      const hi = k + 1 < levels.length ? cuts[k + 1]! : Infinity;
      const up = (hi === Infinity ? 1 : F(hi)) - F(lo);
      const down = F(-lo) - (hi === Infinity ? 0 : F(-hi));
      const l = levels[k]!;
      mean += l * (up - down);
      square += l * l * (up + down);
      // d/dd of P(lo < p < hi) is f(lo) − f(hi); of P(−hi < p < −lo) it is f(−hi) − f(−lo)
      slope += l * (f(lo) - (hi === Infinity ? 0 : f(hi)) - ((hi === Infinity ? 0 : f(-hi)) - f(-lo)));
    }
    return { mean, variance: square - mean * mean, slope };
  };
  if (levels.length === 0 || !(noise > 0)) return () => 1 / Math.max(noise, 1e-9);
  // the scale whose even-pair variance is σ² (bisection; Var(c | 0) grows with s), within the answers' reach
  let [lo, hi] = [1e-3, 100];
  for (let step = 0; step < 40; step++) {
    const mid = Math.sqrt(lo * hi);
    if (answerMoments(0, mid).variance < noise) lo = mid;
    else hi = mid;
  }
  const s = Math.sqrt(lo * hi);
  // tabulated over |d| at steps of 1/16 up to 4 largest ratios away, linear in between; beyond, the last value
  const STEP = 1 / 16;
  const table = Float64Array.from({ length: Math.ceil((4 * levels.at(-1)!) / STEP) + 2 }, (_, k) => {
    const d = k * STEP;
    const { mean, variance, slope } = answerMoments(d, s);
    const bias = mean - d;
    return variance > 0 ? (slope * slope) / (variance + count * bias * bias) : 0;
  });
  return (d) => {
    const at = Math.abs(d) / STEP;
    const k = Math.floor(at);
    if (k + 1 >= table.length) return table.at(-1)!;
    return table[k]! + (at - k) * (table[k + 1]! - table[k]!);
  };
}
