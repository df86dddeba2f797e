import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const path = process.env.DAWN_NODE;
const dawn = path ? require(path) : await import('webgpu');
Object.assign(globalThis, dawn.globals);
const gpu = dawn.create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice();
const src = device.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const reuse = device.createBuffer({ size: 4096, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
async function fresh() {
  const s = device.createBuffer({ size: 4096, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const e = device.createCommandEncoder(); e.copyBufferToBuffer(src, 0, s, 0, 4096); device.queue.submit([e.finish()]);
  await s.mapAsync(GPUMapMode.READ); s.getMappedRange(); s.unmap(); s.destroy();
}
async function reused() {
  const e = device.createCommandEncoder(); e.copyBufferToBuffer(src, 0, reuse, 0, 4096); device.queue.submit([e.finish()]);
  await reuse.mapAsync(GPUMapMode.READ); reuse.getMappedRange(); reuse.unmap();
}
async function done() { device.queue.submit([]); await device.queue.onSubmittedWorkDone(); }
for (const [name, f] of [['fresh', fresh], ['reused', reused], ['done', done], ['fresh', fresh], ['reused', reused]]) {
  const t = [];
  for (let i = 0; i < 30; i++) { const s = performance.now(); await f(); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  console.log(name, 'min', t[0].toFixed(3), 'median', t[15].toFixed(3), 'max', t[29].toFixed(3));
}
process.exit(0);
