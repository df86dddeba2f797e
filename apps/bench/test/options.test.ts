import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/cli/options.ts';
import { UsageError } from '../src/cli/usage-error.ts';

const benchRoot = fileURLToPath(new URL('..', import.meta.url));

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: benchRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
}

describe('command-line options', () => {
  it('parses every option', () => {
    const options = parseOptions([
      'fig2',
      '--backend',
      'cpu',
      '--full',
      '--seed',
      '7',
      '--out',
      '/tmp/x',
      '--json',
      '--stopping',
      'precision-aware',
    ]);
    expect(options).toMatchObject({
      command: 'fig2',
      backend: 'cpu',
      full: true,
      seed: 7,
      out: '/tmp/x',
      json: true,
      stopping: 'precision-aware',
    });
    expect(parseOptions([]).command).toBeUndefined();
    expect(parseOptions(['gpu-grid', '--dims', '8,64', '--lengths', '30000,1e6'])).toMatchObject({
      dims: [8, 64],
      lengths: [30_000, 1_000_000],
    });
    expect(
      parseOptions([
        'gpu-grid',
        '--methods',
        'quasi-deer,deer',
        '--parts',
        'grid',
        '--sequential-max-length',
        '1e5',
        '--scan-elements',
        '1e7,5e8',
        '--cudnn',
        'out/cudnn.jsonl',
        '--max-iterations',
        '64',
      ]),
    ).toMatchObject({
      methods: ['quasi-deer', 'deer'],
      parts: ['grid'],
      sequentialMaxLength: 100_000,
      scanElements: [1e7, 5e8],
      cudnn: 'out/cudnn.jsonl',
      maxIterations: 64,
    });
    expect(parseOptions(['gpu-grid'])).toMatchObject({
      methods: undefined,
      parts: undefined,
      sequentialMaxLength: undefined,
      rehearse: false,
      repeat: 1,
      repeatMaxLength: undefined,
    });
    expect(parseOptions(['gpu-grid', '--rehearse']).rehearse).toBe(true);
    expect(parseOptions(['gpu-grid', '--repeat', '3', '--repeat-max-length', '3e5'])).toMatchObject({
      repeat: 3,
      repeatMaxLength: 300_000,
    });
    expect(() => parseOptions(['gpu-grid', '--repeat', '0'])).toThrow(/--repeat/);
    expect(() => parseOptions(['gpu-grid', '--repeat', '2,3'])).toThrow(
      /--repeat: expected one positive integer/,
    );
  });

  it.each([
    [['--backend', 'tpu'], '--backend'],
    [['--seed=-1'], '--seed'],
    [['--seed', '1.5'], '--seed'],
    [['--stopping', 'sometimes'], '--stopping'],
    [['--frobnicate'], 'options'],
    [['fig3'], 'command'],
    [['fig2', 'fig4'], 'command'],
    [['--out', ''], '--out'],
    [['--dims', '8,x'], '--dims'],
    [['--lengths', '0'], '--lengths'],
    [['--methods', 'quasi-deer,newton'], '--methods'],
    [['--parts', 'grid,plots'], '--parts'],
    [['--sequential-max-length', '100,200'], '--sequential-max-length'],
    [['--scan-elements', '1e7,0'], '--scan-elements'],
    [['--max-iterations', '0'], '--max-iterations'],
  ])('rejects %j with a UsageError naming %s', (argv, argument) => {
    let caught: unknown;
    try {
      parseOptions(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).argument).toBe(argument);
  });

  it('exits with code 2 and a one-line message, no stack trace, on a bad option', () => {
    const result = runCli(['fig2', '--backend', 'tpu']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--backend');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits with code 2 on a missing weights file', () => {
    const result = runCli(['fig4', '--weights', '/nonexistent/weights.safetensors']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--weights');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
