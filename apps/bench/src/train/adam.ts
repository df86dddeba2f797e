/** Adam's settings (Kingma & Ba 2015); defaults are the paper's β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Rescale the gradient to at most this global L2 norm before the step (off when absent). */
  clipNorm?: number;
}

/** An Adam optimiser over one flat parameter vector. */
export interface Adam {
  /** Updates `parameters` in place from `gradient` (which it may rescale when clipping). */
  step(parameters: Float64Array, gradient: Float64Array): void;
}

/**
 * Adam: m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², θ ← θ − α m̂ / (√v̂ + ε) with bias-corrected m̂, v̂.
 *
 * @example
 * ```ts
 * const adam = createAdam(parameters.length, { learningRate: 1e-2 });
 * adam.step(parameters, gradient);
 * ```
 */
export function createAdam(size: number, options: AdamOptions): Adam {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, clipNorm } = options;
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let t = 0;
  return {
    step(parameters, gradient) {
      if (clipNorm !== undefined) {
        let norm = 0;
        for (const g of gradient) norm += g * g;
        norm = Math.sqrt(norm);
        if (norm > clipNorm)
          for (let i = 0; i < size; i++) gradient[i] = ((gradient[i] ?? 0) * clipNorm) / norm;
      }
      t++;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      for (let i = 0; i < size; i++) {
        const g = gradient[i] ?? 0;
        const mi = beta1 * (m[i] ?? 0) + (1 - beta1) * g;
        const vi = beta2 * (v[i] ?? 0) + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        parameters[i] =
          (parameters[i] ?? 0) -
          (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
      }
    },
  };
}
