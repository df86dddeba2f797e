import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The machine a result was measured on. */
export interface MachineInfo {
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  node: string;
  /** The 1-minute load average divided by the CPU count when measured (shared machines: > 1 means contention). */
  loadPerCore: number;
}

/**
 * Describes this machine (CPU, memory, Node version, load).
 *
 * @example
 * ```ts
 * describeMachine().cpuCount; // e.g. 2
 * ```
 */
export function describeMachine(): MachineInfo {
  const processors = cpus();
  const load = loadavg()[0] ?? 0;
  return {
    platform: process.platform,
    arch: process.arch,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cpuCount: processors.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    loadPerCore: processors.length > 0 ? load / processors.length : load,
  };
}

const ELK_PACKAGES = ['scan', 'kalman', 'cells', 'solvers', 'webgpu'] as const;

/**
 * Versions of elk's packages and of the bench, and the git commit. A bundle (`pnpm bundle`) has them
 * baked in through `process.env.ELK_BUILD_INFO`; from source they are read from the workspace.
 */
export function describeVersions(): { packages: Record<string, string>; commit: string | null } {
  const baked = process.env.ELK_BUILD_INFO;
  if (baked) {
    const info: unknown = JSON.parse(baked);
    if (isVersions(info)) return info;
  }
  return readWorkspaceVersions();
}

function isVersions(value: unknown): value is { packages: Record<string, string>; commit: string | null } {
  return typeof value === 'object' && value !== null && 'packages' in value && 'commit' in value;
}

/** Reads the package versions and HEAD commit from the workspace this file lives in. */
export function readWorkspaceVersions(): { packages: Record<string, string>; commit: string | null } {
  const root = findWorkspaceRoot(dirname(fileURLToPath(import.meta.url)));
  const packages: Record<string, string> = {};
  if (root !== undefined) {
    const paths = [
      ...ELK_PACKAGES.map((name) => join(root, 'packages', name, 'package.json')),
      join(root, 'apps', 'bench', 'package.json'),
    ];
    for (const path of paths) {
      try {
        const manifest: unknown = JSON.parse(readFileSync(path, 'utf8'));
        if (
          typeof manifest === 'object' &&
          manifest !== null &&
          'name' in manifest &&
          'version' in manifest
        ) {
          packages[String(manifest.name)] = String(manifest.version);
        }
      } catch {
        // a package missing from this checkout is simply not listed
      }
    }
  }
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    commit = null;
  }
  return { packages, commit };
}

function findWorkspaceRoot(start: string): string | undefined {
  let directory = start;
  for (;;) {
    if (existsSync(join(directory, 'pnpm-workspace.yaml'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}
