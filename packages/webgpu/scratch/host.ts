import { createWebGpuBackend } from '../src/index.ts';
import { gruSession } from '../bench/support.ts';
const backend = await createWebGpuBackend({});
const session = await gruSession(backend, 16, 8, 3000);
const update = () => session.update({ tolerance: 0, criterion: 'step', reset: true });
for (let i = 0; i < 50; i++) { session.linearize('diagonal'); session.solveAffine('diagonal'); update(); }
await session.readStatus();
const n = 300;
let t = performance.now();
for (let i = 0; i < n; i++) session.linearize('diagonal');
const lin = (performance.now() - t) / n; await session.readStatus();
t = performance.now();
for (let i = 0; i < n; i++) session.solveAffine('diagonal');
const scan = (performance.now() - t) / n; await session.readStatus();
t = performance.now();
for (let i = 0; i < n; i++) update();
const upd = (performance.now() - t) / n; await session.readStatus();
console.log({ lin, scan, upd });
process.exit(0);
