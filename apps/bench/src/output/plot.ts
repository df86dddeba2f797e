import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The rendered forms of one plot. */
export interface RenderedPlot {
  svg: string;
  /** null where `@resvg/resvg-js` cannot be loaded (e.g. a bundle carried without node_modules). */
  png: Uint8Array | null;
}

type ResvgModule = typeof import('@resvg/resvg-js');
let resvg: Promise<ResvgModule | null> | undefined;

function loadResvg(): Promise<ResvgModule | null> {
  resvg ??= import('@resvg/resvg-js').catch(() => null);
  return resvg;
}

/** Device pixels per SVG unit in the PNG. */
const PNG_SCALE = 2;

/**
 * Renders a Vega-Lite spec to SVG with Vega's headless renderer, then rasterises it to PNG with resvg
 * (system fonts, white background; no PNG when resvg is not installed).
 *
 * @example
 * ```ts
 * const { svg, png } = await renderPlot({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point',
 *   encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
 * ```
 */
export async function renderPlot(spec: TopLevelSpec): Promise<RenderedPlot> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const module = await loadResvg();
    if (!module) return { svg, png: null };
    const png = new module.Resvg(svg, {
      background: 'white',
      fitTo: { mode: 'zoom', value: PNG_SCALE },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    return { svg, png: new Uint8Array(png) };
  } finally {
    view.finalize();
  }
}

/** The smallest value drawn on a logarithmic axis; exact zeros are lifted to it so the point stays visible. */
export const LOG_FLOOR = 1e-16;

/** A Vega-Lite `calculate` transform that lifts `field` to {@link LOG_FLOOR} into `as` for log axes. */
export function logFloorTransform(field: string, as: string): { calculate: string; as: string } {
  return { calculate: `max(datum['${field}'], ${LOG_FLOOR})`, as };
}
