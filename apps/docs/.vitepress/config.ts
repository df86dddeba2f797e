import { defineConfig } from 'vitepress';
import { documentedPackages } from '../src/build/packages.ts';

const guides = [
  { text: 'Linear recurrences with @elk/scan', link: '/guides/linear-recurrences' },
  { text: 'A custom cell', link: '/guides/custom-cell' },
  { text: 'A custom solver', link: '/guides/custom-solver' },
  { text: 'Weights from flax and PyTorch', link: '/guides/safetensors-weights' },
  { text: 'WebGPU in Node and the browser', link: '/guides/webgpu' },
];

const concepts = [
  { text: 'Parallel evaluation: DEER', link: '/concepts/deer' },
  { text: 'Stable steps: ELK', link: '/concepts/elk' },
  { text: 'Choosing a method', link: '/concepts/choosing-a-method' },
  { text: 'Stopping rules and f32', link: '/concepts/stopping-and-precision' },
];

const api = [
  { text: 'Overview', link: '/api/' },
  ...documentedPackages.map((p) => ({ text: p.name, link: `/api/${p.folder}` })),
];

/**
 * The site: Markdown in `content/` (VitePress `srcDir`), examples in `examples/` included with
 * `<<< @/../examples/…`, the API reference generated into `content/api/` by `src/build/generate.ts`, and the
 * static build in `dist/`.
 */
export default defineConfig({
  title: 'elk',
  description: 'Nonlinear recurrences evaluated in parallel over the sequence length, on the CPU and WebGPU.',
  srcDir: 'content',
  // The figure gallery is generated and included by figures/index.md, not a page of its own.
  srcExclude: ['figures/generated.md'],
  outDir: 'dist',
  cacheDir: '.vitepress/cache',
  lastUpdated: false,
  cleanUrls: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started' },
      { text: 'Concepts', link: '/concepts/deer' },
      { text: 'Guides', link: '/guides/linear-recurrences' },
      { text: 'Figures', link: '/figures/' },
      { text: 'API', link: '/api/' },
      { text: 'Demo', link: '/demo' },
    ],
    sidebar: [
      { text: 'Introduction', items: [{ text: 'Getting started', link: '/getting-started' }] },
      { text: 'Concepts', items: concepts },
      { text: 'Guides', items: guides },
      { text: 'Figures', items: [{ text: "The papers' figures, reproduced", link: '/figures/' }] },
      { text: 'API reference', collapsed: false, items: api },
      { text: 'Live demo', items: [{ text: 'Demo', link: '/demo' }] },
    ],
    outline: { level: [2, 3] },
    search: { provider: 'local' },
  },
  vite: {
    // dawn.node (the `webgpu` package) is Node-only: @elk/webgpu imports it dynamically, only outside the
    // browser, so it must never be bundled.
    build: { rollupOptions: { external: ['webgpu'] }, chunkSizeWarningLimit: 4096 },
    optimizeDeps: { exclude: ['webgpu'] },
    ssr: { external: ['webgpu'] },
  },
});
