import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import ElkDemo from './components/ElkDemo.vue';
import './demo.css';

/** The default theme, plus the live demo component used by `content/demo.md`. */
const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('ElkDemo', ElkDemo);
  },
};

export default theme;
