/**
 * The packages whose API reference the site publishes: one page each, in this order.
 *
 * @module
 */

/** A published package of the workspace. */
export interface DocumentedPackage {
  /** The npm name, e.g. `'@elk/scan'`. */
  readonly name: string;
  /** The folder under `packages/` and the page's file name under `api/`. */
  readonly folder: string;
  /** One line for the reference's index and the sidebar. */
  readonly summary: string;
}

/** Every package of the reference, from the bottom of the dependency graph up. */
export const documentedPackages: readonly DocumentedPackage[] = [
  {
    name: '@elk/scan',
    folder: 'scan',
    summary: 'associative scans: generic, affine diagonal, affine dense; forward and reverse',
  },
  {
    name: '@elk/kalman',
    folder: 'kalman',
    summary: 'linear-Gaussian state-space models: sequential and parallel Kalman filter and smoother',
  },
  {
    name: '@elk/cells',
    folder: 'cells',
    summary: 'the cell zoo with exact Jacobians and WGSL twins; safetensors',
  },
  {
    name: '@elk/solvers',
    folder: 'solvers',
    summary: '`evaluate` with every method; the Backend contract; the CPU backend',
  },
  {
    name: '@elk/webgpu',
    folder: 'webgpu',
    summary: 'the WebGPU backend: WGSL scans, Kalman, fused cells, a GPU-resident loop',
  },
];
