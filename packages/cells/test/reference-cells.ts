/**
 * Reference cells for the tests, written directly from the published equations over flax-named weights
 * with {@link defineCell}: their f is independent of the cells' own code, and their Jacobians come from
 * dual numbers.
 */
import type { Cell, Tensor } from '../src/cell.ts';
import { defineCell } from '../src/define-cell.ts';
import type { Operand, ScalarOps } from '../src/dual.ts';

function matrix(weights: Record<string, Tensor>, name: string): number[][] {
  const tensor = weights[name];
  if (!tensor) throw new Error(`missing ${name}`);
  const [rows, columns] = tensor.shape.length === 2 ? tensor.shape : [1, tensor.shape[0]!];
  return Array.from({ length: rows! }, (_, row) =>
    Array.from(tensor.data.slice(row * columns!, (row + 1) * columns!)),
  );
}

function vector(weights: Record<string, Tensor>, name: string, size: number): number[] {
  const tensor = weights[name];
  return tensor ? Array.from(tensor.data) : new Array<number>(size).fill(0);
}

/** x @ kernel (+ bias): kernel [in, out]. */
export function dense<T>(
  m: ScalarOps<T>,
  x: readonly Operand<T>[],
  kernel: number[][],
  bias?: number[],
): T[] {
  const out = kernel[0]?.length ?? bias?.length ?? 0;
  return Array.from({ length: out }, (_, k) =>
    m.add(
      m.dot(
        x,
        kernel.map((row) => row[k]!),
      ),
      bias?.[k] ?? 0,
    ),
  );
}

/** flax GRUCell from flax-named weights. */
export function referenceGruStep(weights: Record<string, Tensor>, hidden: number) {
  const W = (name: string) => matrix(weights, name);
  const b = (name: string) => vector(weights, name, hidden);
  return <T>(h: readonly Operand<T>[], x: readonly Operand<T>[], m: ScalarOps<T>): T[] => {
    const inputR = dense(m, x, W('ir.kernel'), b('ir.bias'));
    const inputZ = dense(m, x, W('iz.kernel'), b('iz.bias'));
    const inputN = dense(m, x, W('in.kernel'), b('in.bias'));
    const hiddenR = dense(m, h, W('hr.kernel'));
    const hiddenZ = dense(m, h, W('hz.kernel'));
    const hiddenN = dense(m, h, W('hn.kernel'), b('hn.bias'));
    return Array.from({ length: hidden }, (_, k) => {
      const r = m.sigmoid(m.add(inputR[k]!, hiddenR[k]!));
      const z = m.sigmoid(m.add(inputZ[k]!, hiddenZ[k]!));
      const n = m.tanh(m.add(inputN[k]!, m.mul(r, hiddenN[k]!)));
      return m.add(m.mul(m.sub(1, z), n), m.mul(z, h[k]!));
    });
  };
}

export function referenceGru(weights: Record<string, Tensor>, hidden: number, input: number): Cell {
  const step = referenceGruStep(weights, hidden);
  return defineCell({
    name: 'reference-gru',
    stateSize: hidden,
    inputSize: input,
    step: (s, u, m) => step(s, u, m),
  });
}

/** Elman from flax-named weights: h' = tanh(x @ i.kernel + h @ h.kernel + h.bias). */
export function referenceElman(weights: Record<string, Tensor>, hidden: number, input: number): Cell {
  return defineCell({
    name: 'reference-elman',
    stateSize: hidden,
    inputSize: input,
    step: (h, x, m) => {
      const a = dense(m, x, matrix(weights, 'i.kernel'));
      const b = dense(m, h, matrix(weights, 'h.kernel'), vector(weights, 'h.bias', hidden));
      return Array.from({ length: hidden }, (_, k) => m.tanh(m.add(a[k] ?? 0, b[k]!)));
    },
  });
}

/** flax LSTMCell from flax-named weights; state [h, c]. */
export function referenceLstm(weights: Record<string, Tensor>, hidden: number, input: number): Cell {
  return defineCell({
    name: 'reference-lstm',
    stateSize: 2 * hidden,
    inputSize: input,
    step: (s, x, m) => {
      const h = s.slice(0, hidden);
      const c = s.slice(hidden);
      const pre = (gate: string) => {
        const a = dense(m, x, matrix(weights, `i${gate}.kernel`));
        const b = dense(m, h, matrix(weights, `h${gate}.kernel`), vector(weights, `h${gate}.bias`, hidden));
        return b.map((value, k) => m.add(value, a[k] ?? 0));
      };
      const [i, f, g, o] = [pre('i'), pre('f'), pre('g'), pre('o')];
      const cell = c.map((value, k) =>
        m.add(m.mul(m.sigmoid(f[k]!), value), m.mul(m.sigmoid(i[k]!), m.tanh(g[k]!))),
      );
      const next = cell.map((value, k) => m.mul(m.sigmoid(o[k]!), m.tanh(value)));
      return [...next, ...cell];
    },
  });
}

/** minGRU from its weights: h' = (1 - z) h + z h̃. */
export function referenceMinGru(weights: Record<string, Tensor>, hidden: number, input: number): Cell {
  return defineCell({
    name: 'reference-min-gru',
    stateSize: hidden,
    inputSize: input,
    step: (h, x, m) => {
      const z = dense(m, x, matrix(weights, 'z.kernel'), vector(weights, 'z.bias', hidden));
      const candidate = dense(m, x, matrix(weights, 'h.kernel'), vector(weights, 'h.bias', hidden));
      return h.map((value, k) => {
        const gate = m.sigmoid(z[k] ?? vector(weights, 'z.bias', hidden)[k]!);
        return m.add(
          m.mul(m.sub(1, gate), value),
          m.mul(gate, candidate[k] ?? vector(weights, 'h.bias', hidden)[k]!),
        );
      });
    },
  });
}
