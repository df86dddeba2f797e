import type { CommandName } from '../defaults.ts';
import type { FigureResult } from '../output/figure-result.ts';
import type { RunContext } from './run-context.ts';

/** A subcommand: runs with a context and returns what to write and print. */
export type CommandRunner = (context: RunContext) => Promise<FigureResult>;

/**
 * Each subcommand's module, loaded on demand (so a command does not load what it does not use, and the
 * CLI starts fast).
 */
export const COMMAND_LOADERS: Record<CommandName, () => Promise<CommandRunner>> = {
  fig2: async () => (await import('../figures/fig2.ts')).runFig2Command,
  fig4: async () => (await import('../figures/fig4.ts')).runFig4Command,
  fig7: async () => (await import('../figures/fig7.ts')).runFig7Command,
  fig8: async () => (await import('../figures/fig8.ts')).runFig8Command,
  scan: async () => (await import('../figures/scan-throughput.ts')).runScanCommand,
  'train-argru': async () => (await import('../train/train-argru-command.ts')).runTrainArgruCommand,
  'gpu-grid': async () => (await import('../gpu/gpu-grid.ts')).runGpuGridCommand,
};
