/**
 * Exact binomial arithmetic for the canary judge: tail probabilities and one-sided Clopper-Pearson
 * bounds. A binomial tail is a regularized incomplete beta function, P(X >= x | n, p) =
 * I_p(x, n - x + 1) (NIST Digital Library of Mathematical Functions 8.17.5,
 * https://dlmf.nist.gov/8.17#E5), evaluated by its continued fraction (DLMF 8.17.22,
 * https://dlmf.nist.gov/8.17#E22) with the modified Lentz method; a Clopper-Pearson bound is the
 * `p` at which that tail equals the error rate allowed. No approximation to a normal law: the error
 * rates hold at 12 requests as at 30 000.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < 9; i += 1) sum += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of I_x(a, b), valid (fast) for x < (a + 1) / (a + b + 2). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m += 1) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) return h;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a and b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast on one side of the mean; the symmetry I_x(a,b) = 1 - I_{1-x}(b,a)
  // covers the other.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  // Above the mean the fraction in b converges slowly when b is large (a canary's good requests);
  // with whole a, I_x(a, b) = 1 - P(Binomial(a + b - 1, x) <= a - 1), a short sum falling from a - 1.
  if (Number.isInteger(a) && Number.isInteger(b)) return 1 - cdfBelowMean(a - 1, a + b - 1, x);
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(Binomial(n, p) <= k) for k at or below the mean, summed downward from k's term. */
function cdfBelowMean(k: number, n: number, p: number): number {
  let term = Math.exp(
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p),
  );
  let sum = term;
  const ratio = (1 - p) / p;
  for (let j = k; j >= 1; j -= 1) {
    term *= (j / (n - j + 1)) * ratio;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** P(X >= x) for X ~ Binomial(n, p). */
export function upperTail(x: number, n: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  return incompleteBeta(p, x, n - x + 1);
}

/** P(X <= x) for X ~ Binomial(n, p). */
export function lowerTail(x: number, n: number, p: number): number {
  if (x >= n) return 1;
  if (x < 0) return 0;
  return 1 - incompleteBeta(p, x + 1, n - x);
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error under 1.2e-9): only
 * a starting point for betaQuantile's Newton steps.
 */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number) =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * The beta distribution's quantile: the x where I_x(a, b) = target. Newton's method on the
 * incomplete beta (its derivative is the beta density), kept inside a bisection bracket.
 */
export function betaQuantile(target: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  const logNorm = logGamma(a + b) - logGamma(a) - logGamma(b);
  // Start from the normal law with the beta's mean and variance: a few Newton steps from the answer.
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  let x = Math.min(Math.max(mean + normalQuantile(target) * sd, 1e-300), 1 - 1e-16);
  for (let i = 0; i < 300; i += 1) {
    const f = incompleteBeta(x, a, b) - target;
    if (f > 0) high = x;
    else low = x;
    const density = Math.exp(logNorm + (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x));
    let next = x - f / density;
    if (!(next > low && next < high) || !Number.isFinite(next)) next = (low + high) / 2;
    if (Math.abs(next - x) <= 1e-11 * x || high - low <= 1e-15) return next;
    x = next;
  }
  return x;
}

/**
 * One-sided Clopper-Pearson lower bound: the smallest ratio that `bad` of `total` does not rule
 * out at error rate `alpha` (P(X >= bad | bound) = alpha). 0 when bad is 0.
 */
export function lowerBound(bad: number, total: number, alpha: number): number {
  if (bad <= 0 || total <= 0) return 0;
  return remembered(`l${bad}/${total}/${alpha}`, () => betaQuantile(alpha, bad, total - bad + 1));
}

/**
 * One-sided Clopper-Pearson upper bound: the largest ratio that `bad` of `total` does not rule
 * out at error rate `alpha` (P(X <= bad | bound) = alpha). 1 when every request was bad, or none came.
 */
export function upperBound(bad: number, total: number, alpha: number): number {
  if (total <= 0 || bad >= total) return 1;
  return remembered(`u${bad}/${total}/${alpha}`, () => betaQuantile(1 - alpha, bad + 1, total - bad));
}

/** Bounds already computed: a baseline's counts recur look after look, and in the benchmark's trials. */
const BOUNDS = new Map<string, number>();
function remembered(key: string, compute: () => number): number {
  const known = BOUNDS.get(key);
  if (known !== undefined) return known;
  if (BOUNDS.size >= 100_000) BOUNDS.clear();
  const value = compute();
  BOUNDS.set(key, value);
  return value;
}
