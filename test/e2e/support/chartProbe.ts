import type { Page } from 'playwright-core';

/** What a chart figure (charts.js) shows: its canvas's painted pixels, its legend's labels and its data point count. */
export interface ChartProbe {
  kind: string;
  /** Pixels neither transparent nor near-white: axes, lines, points, bands. */
  paintedPixels: number;
  legend: string[];
  points: number;
}

/** Reads every chart figure on the page, in page order. */
export function probeCharts(page: Page, container = 'body'): Promise<ChartProbe[]> {
  return page.locator(`${container} figure.chart-figure`).evaluateAll((figures) =>
    figures.map((figure) => {
      const canvas = figure.querySelector('canvas');
      let painted = 0;
      const context = canvas?.getContext('2d');
      if (canvas && context && canvas.width > 0 && canvas.height > 0) {
        const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 0; i < data.length; i += 4) {
          const [r = 0, g = 0, b = 0, a = 0] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
          if (a > 0 && !(r > 240 && g > 240 && b > 240)) painted += 1;
        }
      }
      return {
        kind: (figure as HTMLElement).dataset.chart ?? '',
        paintedPixels: painted,
        legend: Array.from(figure.querySelectorAll<HTMLElement>('.u-legend .u-series .u-label'), (label) => label.textContent ?? ''),
        points: Number((figure as HTMLElement).dataset.points ?? 0),
      };
    }),
  );
}
