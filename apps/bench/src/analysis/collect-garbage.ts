import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

/**
 * Runs a full garbage collection when the runtime allows it (V8's `gc`, enabled here through
 * `--expose-gc` set at run time), so that a memory measurement starts from a clean baseline.
 * Returns false when it cannot.
 */
export function collectGarbage(): boolean {
  if (collector === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collector = typeof gc === 'function' ? () => gc() : null;
    } catch {
      collector = null;
    }
  }
  collector?.();
  return collector !== null;
}
