/**
 * The dominant frequency of a real signal, in cycles per sample: the argmax over k = 1..⌊N/2⌋ of the
 * DFT power |Σ_t (x_t − x̄) e^{−2πikt/N}|², refined by a parabola through the peak and its neighbours.
 * O(N²) direct DFT — meant for a few thousand samples.
 *
 * @example
 * ```ts
 * const x = Float64Array.from({ length: 1000 }, (_, t) => Math.sin((2 * Math.PI * t) / 25));
 * dominantFrequency(x); // ≈ 0.04
 * ```
 */
export function dominantFrequency(signal: ArrayLike<number>): number {
  const power = powerSpectrum(signal);
  const n = signal.length;
  let best = 1;
  for (let k = 2; k < power.length; k++) if ((power[k] ?? 0) > (power[best] ?? 0)) best = k;
  const left = power[best - 1] ?? 0;
  const centre = power[best] ?? 0;
  const right = power[best + 1] ?? 0;
  const curvature = left - 2 * centre + right;
  const offset =
    best > 1 && best + 1 < power.length && curvature < 0 ? (0.5 * (left - right)) / curvature : 0;
  return (best + offset) / n;
}

/** DFT power of the mean-removed signal at k = 0..⌊N/2⌋ (index k is frequency k/N cycles per sample). */
export function powerSpectrum(signal: ArrayLike<number>): Float64Array {
  const n = signal.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += signal[t] ?? 0;
  mean /= n;
  const half = Math.floor(n / 2);
  const power = new Float64Array(half + 1);
  for (let k = 1; k <= half; k++) {
    let re = 0;
    let im = 0;
    const w = (-2 * Math.PI * k) / n;
    for (let t = 0; t < n; t++) {
      const value = (signal[t] ?? 0) - mean;
      re += value * Math.cos(w * t);
      im += value * Math.sin(w * t);
    }
    power[k] = re * re + im * im;
  }
  return power;
}
