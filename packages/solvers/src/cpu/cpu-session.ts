import type { Cell, FloatArray } from '@elk/cells';
import { scanAffineDense, scanAffineDiagonal } from '@elk/scan';
import {
  IterationFlag,
  type KalmanStepOptions,
  type LinearizationMode,
  type Precision,
  type Session,
  type SessionStatus,
  type SolverProblem,
  type StateSlot,
  type UpdateOptions,
} from '../backend.ts';
import { solverDefaults } from '../defaults.ts';
import { describeValue, SolverInputError } from '../errors.ts';
import { floorDecision, floorRuleSettings } from '../stopping/floor-rule.ts';
import { checkFloatArray } from '../validate-problem.ts';
import { compensatedDiagonalScan } from './compensated-diagonal-scan.ts';
import { elkStep } from './elk-step.ts';
import { allocateFloats, convertFloats } from './float-arrays.ts';
import { HistoryBuffer } from './history-buffer.ts';
import { maxAbs, resetAndMeasureStep, residualNorms } from './sequence-norms.ts';

/** How the CPU session solves diagonal linear recurrences. */
export type CpuDiagonalScan = 'plain' | 'compensated';

/** Per-sequence views into the session's [B, T, …] arrays. */
interface SequenceViews {
  readonly iterate: FloatArray;
  readonly candidate: FloatArray;
  readonly shifted: FloatArray;
  readonly values: FloatArray;
  readonly offset: FloatArray;
  readonly inputs: FloatArray;
  readonly initialState: FloatArray;
}

/**
 * The CPU implementation of {@link Session}: typed arrays in the inputs' precision, one cell call per sequence
 * and primitive (the whole sequence as the cell's batch), scans from `@elk/scan` written in place.
 * Nothing is allocated per iteration once the first iteration of a mode has run.
 */
export class CpuSession implements Session {
  readonly precision: Precision;
  readonly batch: number;
  readonly length: number;
  readonly stateSize: number;
  private readonly cell: Cell;
  private readonly diagonalScan: CpuDiagonalScan;
  private readonly iterate: FloatArray;
  private readonly candidate: FloatArray;
  private readonly shifted: FloatArray;
  private readonly values: FloatArray;
  private readonly offset: FloatArray;
  private readonly inputs: FloatArray;
  private readonly initialState: FloatArray;
  private readonly views: SequenceViews[];
  private diagonal: FloatArray | undefined;
  private dense: FloatArray | undefined;
  private readonly carryLow: Float64Array;
  private readonly merit: Float64Array;
  private readonly meritSquared: Float64Array;
  private readonly active: Uint8Array;
  private readonly toleranceMet: Uint8Array;
  private readonly floorMet: Uint8Array;
  private readonly iterations: Uint32Array;
  private readonly lambda: Float64Array;
  private readonly history: HistoryBuffer;
  private iteration = 0;
  private linearizedMode: LinearizationMode | undefined;

  private readonly onDestroy: () => void;

  constructor(
    problem: SolverProblem,
    precision: Precision,
    diagonalScan: CpuDiagonalScan,
    onDestroy: () => void = () => {},
  ) {
    this.onDestroy = onDestroy;
    const { cell, batch, length } = problem;
    const D = cell.stateSize;
    const I = cell.inputSize;
    this.precision = precision;
    this.batch = batch;
    this.length = length;
    this.stateSize = D;
    this.cell = cell;
    this.diagonalScan = diagonalScan;
    const states = batch * length * D;
    this.iterate = allocateFloats(precision, states);
    if (problem.initialGuess !== undefined) this.iterate.set(problem.initialGuess);
    this.candidate = allocateFloats(precision, states);
    this.shifted = allocateFloats(precision, states);
    this.values = allocateFloats(precision, states);
    this.offset = allocateFloats(precision, states);
    this.inputs = convertFloats(problem.inputs, precision);
    this.initialState = convertFloats(problem.initialState, precision);
    this.views = [];
    for (let b = 0; b < batch; b++) {
      const start = b * length * D;
      const end = start + length * D;
      this.views.push({
        iterate: this.iterate.subarray(start, end),
        candidate: this.candidate.subarray(start, end),
        shifted: this.shifted.subarray(start, end),
        values: this.values.subarray(start, end),
        offset: this.offset.subarray(start, end),
        inputs: this.inputs.subarray(b * length * I, (b + 1) * length * I),
        initialState: this.initialState.subarray(b * D, (b + 1) * D),
      });
    }
    this.carryLow = new Float64Array(D);
    this.merit = new Float64Array(batch).fill(Number.POSITIVE_INFINITY);
    this.meritSquared = new Float64Array(batch).fill(Number.POSITIVE_INFINITY);
    this.active = new Uint8Array(batch).fill(1);
    this.toleranceMet = new Uint8Array(batch);
    this.floorMet = new Uint8Array(batch);
    this.iterations = new Uint32Array(batch);
    this.lambda = new Float64Array(batch);
    this.history = new HistoryBuffer(batch, problem.historyCapacity ?? solverDefaults.historyCapacity);
  }

  private view(b: number): SequenceViews {
    const view = this.views[b];
    if (view === undefined) throw new RangeError(`sequence ${b} out of range`);
    return view;
  }

  /** shifted_t = s_{t−1} (s_0 the initial state) for one sequence, from `source` ([T, D]). */
  private shift(view: SequenceViews, source: FloatArray): void {
    const D = this.stateSize;
    view.shifted.set(view.initialState, 0);
    view.shifted.set(source.subarray(0, (this.length - 1) * D), D);
  }

  private jacobianArray(mode: 'diagonal' | 'dense'): FloatArray {
    const states = this.batch * this.length * this.stateSize;
    if (mode === 'diagonal') {
      this.diagonal ??= allocateFloats(this.precision, states);
      return this.diagonal;
    }
    this.dense ??= allocateFloats(this.precision, states * this.stateSize);
    return this.dense;
  }

  private jacobianView(mode: 'diagonal' | 'dense', b: number): FloatArray {
    const size = this.length * this.stateSize * (mode === 'dense' ? this.stateSize : 1);
    return this.jacobianArray(mode).subarray(b * size, (b + 1) * size);
  }

  linearize(mode: LinearizationMode): void {
    const D = this.stateSize;
    const T = this.length;
    for (let b = 0; b < this.batch; b++) {
      if (this.active[b] === 0) continue;
      const view = this.view(b);
      this.shift(view, view.iterate);
      const { shifted, values, offset, inputs } = view;
      if (mode === 'none') {
        this.cell.step(shifted, inputs, T, values);
        offset.set(values);
      } else if (mode === 'diagonal') {
        const a = this.jacobianView('diagonal', b);
        this.cell.linearize(shifted, inputs, T, 'diagonal', values, a);
        a.fill(0, 0, D);
        offset.set(values);
        for (let i = D; i < T * D; i++) {
          offset[i] = (values[i] as number) - (a[i] as number) * (shifted[i] as number);
        }
      } else {
        const A = this.jacobianView('dense', b);
        this.cell.linearize(shifted, inputs, T, 'dense', values, A);
        A.fill(0, 0, D * D);
        offset.set(values);
        for (let t = 1; t < T; t++) {
          for (let i = 0; i < D; i++) {
            const row = (t * D + i) * D;
            let product = 0;
            for (let j = 0; j < D; j++) product += (A[row + j] as number) * (shifted[t * D + j] as number);
            offset[t * D + i] = (values[t * D + i] as number) - product;
          }
        }
      }
      this.recordMerit(b, view.iterate, values);
    }
    this.linearizedMode = mode;
  }

  private recordMerit(b: number, states: FloatArray, values: FloatArray): void {
    const { infinity, squared } = residualNorms(states, values);
    this.merit[b] = infinity;
    this.meritSquared[b] = squared;
  }

  private requireMode(mode: LinearizationMode, primitive: string): void {
    if (this.linearizedMode !== mode) {
      throw new SolverInputError(
        'mode',
        `the mode of the last linearize ('${this.linearizedMode ?? 'none yet'}') in ${primitive}`,
        describeValue(mode),
      );
    }
  }

  solveAffine(mode: LinearizationMode): void {
    this.requireMode(mode, 'solveAffine');
    for (let b = 0; b < this.batch; b++) {
      if (this.active[b] === 0) continue;
      this.solveSequenceAffine(mode, b, this.view(b));
    }
  }

  private solveSequenceAffine(mode: LinearizationMode, b: number, view: SequenceViews): void {
    const D = this.stateSize;
    const T = this.length;
    if (mode === 'none') {
      view.candidate.set(view.values);
    } else if (mode === 'diagonal') {
      const a = this.jacobianView('diagonal', b);
      if (this.diagonalScan === 'compensated') {
        compensatedDiagonalScan(a, view.offset, T, D, view.candidate, this.carryLow);
      } else {
        scanAffineDiagonal({ a, b: view.offset, batch: 1, length: T, dim: D, out: view.candidate });
      }
    } else {
      const a = this.jacobianView('dense', b);
      scanAffineDense({ a, b: view.offset, batch: 1, length: T, dim: D, out: view.candidate });
    }
  }

  solveKalman(options: KalmanStepOptions): void {
    const { mode, estimator, lambda } = options;
    this.requireMode(mode, 'solveKalman');
    if (lambda !== 'session' && !(typeof lambda === 'number' && lambda >= 0)) {
      throw new SolverInputError('lambda', "a number ≥ 0 or 'session'", describeValue(lambda));
    }
    for (let b = 0; b < this.batch; b++) {
      if (this.active[b] === 0) continue;
      const view = this.view(b);
      const jacobian = this.jacobianView(mode, b);
      const sequenceLambda = lambda === 'session' ? (this.lambda[b] as number) : lambda;
      if (sequenceLambda === 0) {
        // λ = 0 (no trust region): the step is the linear recurrence's solution, DEER's Newton step.
        this.solveSequenceAffine(mode, b, view);
        continue;
      }
      const step = elkStep({
        form: mode === 'dense' ? 'full' : 'diagonal',
        length: this.length,
        dim: this.stateSize,
        jacobian,
        offset: view.offset,
        iterate: view.iterate,
        lambda: sequenceLambda,
        estimator,
      });
      if (step === undefined) view.candidate.fill(Number.NaN);
      else view.candidate.set(step);
    }
  }

  update(options: UpdateOptions): void {
    const { tolerance, criterion, reset, trustRegion } = options;
    const bound = options.resetBound ?? solverDefaults.resetBound;
    const damping = options.damping ?? 1;
    const floor =
      options.floor === undefined ? undefined : floorRuleSettings(options.floor, this.history.capacity);
    this.iteration++;
    for (let b = 0; b < this.batch; b++) {
      if (this.active[b] === 0) continue;
      const view = this.view(b);
      const { iterate, candidate } = view;
      const measured = resetAndMeasureStep(candidate, iterate, reset ? bound : undefined);
      let flags = measured.flags;
      const step = measured.step;
      const merit = this.merit[b] as number;
      if (criterion === 'merit' && merit <= tolerance) {
        this.stop(b);
        this.history.record(b, step, merit, maxAbs(iterate), flags);
        continue;
      }
      let accepted = true;
      if (trustRegion !== undefined) {
        this.shift(view, candidate);
        this.cell.step(view.shifted, view.inputs, this.length, view.values);
        const candidateMerit = residualNorms(candidate, view.values).squared;
        // A zero step changes nothing: accepting it lets the tolerance stop a sequence at its fixed point, where
        // the two residuals can differ by rounding alone.
        accepted = step === 0 || candidateMerit <= (this.meritSquared[b] as number);
        const lambda = this.lambda[b] as number;
        this.lambda[b] = accepted
          ? Math.max(lambda * trustRegion.decrease, trustRegion.minimum)
          : Math.min(lambda * trustRegion.increase, trustRegion.maximum);
        if (!accepted) flags |= IterationFlag.rejected;
      }
      if (accepted) {
        if (damping === 1) iterate.set(candidate);
        else {
          for (let i = 0; i < iterate.length; i++) {
            const current = iterate[i] as number;
            iterate[i] = current + damping * ((candidate[i] as number) - current);
          }
        }
      }
      this.iterations[b] = (this.iterations[b] as number) + 1;
      this.history.record(b, step, merit, maxAbs(iterate), flags);
      // Under a trust region a step is short because λ is large, not only near a solution: the step
      // rule then asks (1 + λ)·step ≤ tol, a bound on the gradient ‖Jᵀr‖ ≈ ‖(JᵀJ + λI) δ‖.
      const scale = trustRegion === undefined ? 1 : 1 + (this.lambda[b] as number);
      if (accepted && criterion === 'step' && scale * step <= tolerance) this.stop(b);
      else if (floor !== undefined) {
        const context = { precision: this.precision, length: this.length, ...floor };
        if (floorDecision(this.history.sequence(b), context).stop) {
          this.active[b] = 0;
          this.floorMet[b] = 1;
        }
      }
    }
  }

  private stop(b: number): void {
    this.active[b] = 0;
    this.toleranceMet[b] = 1;
  }

  sequential(): void {
    const { batch: B, length: T, stateSize: D } = this;
    const I = this.cell.inputSize;
    const current = allocateFloats(this.precision, B * D);
    const next = allocateFloats(this.precision, B * D);
    const inputs = allocateFloats(this.precision, B * I);
    current.set(this.initialState);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const source = (b * T + t) * I;
        inputs.set(this.inputs.subarray(source, source + I), b * I);
      }
      this.cell.step(current, inputs, B, next);
      for (let b = 0; b < B; b++) {
        this.iterate.set(next.subarray(b * D, (b + 1) * D), (b * T + t) * D);
      }
      current.set(next);
    }
  }

  setActive(active: Uint8Array): void {
    if (!(active instanceof Uint8Array) || active.length !== this.batch) {
      throw new SolverInputError('active', `a Uint8Array of length ${this.batch}`, describeValue(active));
    }
    this.active.set(active);
  }

  setLambda(lambda: number | Float64Array): void {
    if (typeof lambda === 'number') {
      if (!(lambda >= 0)) throw new SolverInputError('lambda', 'a number ≥ 0', describeValue(lambda));
      this.lambda.fill(lambda);
      return;
    }
    if (
      !(lambda instanceof Float64Array) ||
      lambda.length !== this.batch ||
      lambda.some((value) => !(value >= 0))
    ) {
      throw new SolverInputError(
        'lambda',
        `a number ≥ 0 or a Float64Array of ${this.batch} values ≥ 0`,
        describeValue(lambda),
      );
    }
    this.lambda.set(lambda);
  }

  async readStatus(): Promise<SessionStatus> {
    return {
      iteration: this.iteration,
      active: this.active.slice(),
      toleranceMet: this.toleranceMet.slice(),
      floorMet: this.floorMet.slice(),
      iterations: this.iterations.slice(),
      lambda: this.lambda.slice(),
      history: this.history.snapshot(),
    };
  }

  async readStates(slot: StateSlot = 'iterate'): Promise<FloatArray> {
    return (slot === 'candidate' ? this.candidate : this.iterate).slice();
  }

  writeStates(states: FloatArray, slot: StateSlot = 'iterate'): void {
    const shape = `batch ${this.batch} × length ${this.length} × stateSize ${this.stateSize}`;
    checkFloatArray('states', states, this.iterate.length, shape);
    (slot === 'candidate' ? this.candidate : this.iterate).set(states);
  }

  destroy(): void {
    this.diagonal = undefined;
    this.dense = undefined;
    this.onDestroy();
  }
}
