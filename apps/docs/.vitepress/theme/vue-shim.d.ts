// Single-file components, typed as the components VitePress's theme API accepts.
declare module '*.vue' {
  import type { Theme } from 'vitepress';

  const component: NonNullable<Theme['Layout']>;
  export default component;
}
