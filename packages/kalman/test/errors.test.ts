import { describe, expect, it } from 'vitest';
import {
  type DiagonalModel,
  type FullModel,
  KalmanCovarianceError,
  KalmanShapeError,
  KalmanValueError,
  kalmanFilter,
  kalmanSmoother,
} from '../src/index.ts';

const fullModel: FullModel = {
  form: 'full',
  batch: 2,
  length: 3,
  stateDim: 2,
  observationDim: 2,
  initialMean: { constant: new Float64Array([0, 0]) },
  initialCovariance: { constant: new Float64Array([1, 0, 0, 1]) },
  transition: { constant: new Float64Array([0.9, 0.1, 0, 0.9]) },
  transitionCovariance: new Float64Array(2 * 3 * 4).map((_, k) => (k % 4 === 0 || k % 4 === 3 ? 0.5 : 0.1)),
  observationCovariance: { constant: new Float64Array([1, 0, 0, 1]) },
};
const fullObservations = new Float64Array(2 * 3 * 2).fill(0.5);

const diagonalModel: DiagonalModel = {
  form: 'diagonal',
  batch: 2,
  length: 3,
  stateDim: 2,
  initialMean: new Float64Array(4),
  initialCovariance: { constant: new Float64Array([1, 1]) },
  transition: { constant: new Float64Array([0.9, 0.5]) },
  transitionCovariance: new Float64Array(12).fill(0.3),
  observationCovariance: { constant: new Float64Array([1, 2]) },
};
const diagonalObservations = new Float64Array(12).fill(0.25);

const entryPoints = [
  ['kalmanFilter', kalmanFilter],
  ['kalmanSmoother', kalmanSmoother],
] as const;

describe.each(entryPoints)('%s: typed errors on bad input', (_, run) => {
  it('accepts the valid models (the baseline for the cases below)', () => {
    expect(run(fullModel, fullObservations).means).toHaveLength(12);
    expect(run(diagonalModel, diagonalObservations, { parallel: true }).means).toHaveLength(12);
  });

  it('non-symmetric covariances', () => {
    const model = { ...fullModel, observationCovariance: { constant: new Float64Array([1, 0.3, 0, 1]) } };
    expect(() => run(model, fullObservations)).toThrow(
      expect.objectContaining({ argument: 'model.observationCovariance', problem: 'not symmetric' }),
    );
    const perStep = Float64Array.from(fullModel.transitionCovariance as Float64Array);
    perStep[4 * 4 + 1] = 0.2; // sequence 1, step 1
    try {
      run({ ...fullModel, transitionCovariance: perStep }, fullObservations);
      expect.unreachable('a non-symmetric Q_t must throw');
    } catch (error) {
      expect(error).toBeInstanceOf(KalmanCovarianceError);
      expect(error).toMatchObject({ argument: 'model.transitionCovariance', sequence: 1, step: 1 });
    }
  });

  it('symmetric but not positive definite covariances', () => {
    const indefinite = { ...fullModel, initialCovariance: { constant: new Float64Array([1, 2, 2, 1]) } };
    expect(() => run(indefinite, fullObservations)).toThrow(
      expect.objectContaining({ argument: 'model.initialCovariance', problem: 'not positive definite' }),
    );
    const zeroVariance = { ...diagonalModel, observationCovariance: { constant: new Float64Array([1, 0]) } };
    expect(() => run(zeroVariance, diagonalObservations)).toThrow(KalmanCovarianceError);
    const negative = Float64Array.from(diagonalModel.transitionCovariance as Float64Array);
    negative[2 * 3 + 1 * 2 + 1] = -0.1; // sequence 1, step 1, dim 1
    expect(() => run({ ...diagonalModel, transitionCovariance: negative }, diagonalObservations)).toThrow(
      expect.objectContaining({ argument: 'model.transitionCovariance', sequence: 1, step: 1 }),
    );
  });

  it('shape mismatches name the argument and the expected shape', () => {
    expect(() => run(fullModel, new Float64Array(11))).toThrow(
      expect.objectContaining({ argument: 'observations', name: 'KalmanShapeError' }),
    );
    expect(() => run({ ...fullModel, transition: new Float64Array(4) }, fullObservations)).toThrow(
      expect.objectContaining({
        argument: 'model.transition',
        expected: expect.stringContaining('length 24'),
      }),
    );
    expect(() =>
      run({ ...fullModel, transition: { constant: new Float64Array(3) } }, fullObservations),
    ).toThrow(expect.objectContaining({ argument: 'model.transition.constant' }));
    expect(() => run({ ...fullModel, observationDim: 1 }, new Float64Array(6))).toThrow(
      expect.objectContaining({ argument: 'model.observationDim' }),
    );
    expect(() => run({ ...diagonalModel, initialMean: new Float64Array(3) }, diagonalObservations)).toThrow(
      expect.objectContaining({ argument: 'model.initialMean' }),
    );
    expect(() => run({ ...diagonalModel, stateDim: 0 }, diagonalObservations)).toThrow(
      expect.objectContaining({ argument: 'model.stateDim' }),
    );
    const notAnArray = [0, 0, 0, 0];
    // @ts-expect-error: a plain array is rejected at run time too
    expect(() => run({ ...diagonalModel, initialMean: notAnArray }, diagonalObservations)).toThrow(
      KalmanShapeError,
    );
    // @ts-expect-error: a plain array is rejected at run time too
    expect(() => run(diagonalModel, Array.from(diagonalObservations))).toThrow(KalmanShapeError);
  });

  it('non-finite values', () => {
    const withNaN = Float64Array.from(diagonalObservations);
    withNaN[5] = Number.NaN;
    expect(() => run(diagonalModel, withNaN)).toThrow(expect.objectContaining({ argument: 'observations' }));
    const infinite = {
      ...fullModel,
      transition: { constant: new Float64Array([1, Number.POSITIVE_INFINITY, 0, 1]) },
    };
    expect(() => run(infinite, fullObservations)).toThrow(KalmanValueError);
  });

  it('validate: false skips value checks but never shape checks', () => {
    const model = { ...fullModel, observationCovariance: { constant: new Float64Array([1, 1e-9, 0, 1]) } };
    expect(() => run(model, fullObservations)).toThrow(KalmanCovarianceError);
    expect(run(model, fullObservations, { validate: false }).means).toHaveLength(12);
    expect(() => run(fullModel, new Float64Array(3), { validate: false })).toThrow(KalmanShapeError);
  });
});
