import { existsSync } from 'node:fs';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { IncidentTimeline } from './timeline-data.js';
import { TIMELINE_FONT, timelineSpec } from './timeline-spec.js';

/**
 * Debian's fonts-dejavu-core. resvg draws no text without a font, and a server has no fonts we
 * can count on, so the renderer hands it these files and loads no system fonts: the same picture
 * on every machine.
 */
export const DEJAVU_FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];

export interface RenderOptions {
  fontFiles?: readonly string[];
  /** Pixels per SVG unit: 2 reads well on a laptop's screen and in Slack's preview. */
  zoom?: number;
}

/** Vega-Lite spec → Vega → SVG (no browser, no canvas) → PNG with resvg. */
export async function renderTimelineSvg(timeline: IncidentTimeline): Promise<string> {
  // Loaded on first use: a bot that never resolves an incident never loads Vega.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(timelineSpec(timeline) as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderTimelinePng(timeline: IncidentTimeline, options: RenderOptions = {}): Promise<Buffer> {
  const fontFiles = (options.fontFiles ?? DEJAVU_FONT_FILES).filter((file) => existsSync(file));
  if (fontFiles.length === 0) {
    throw new RecioError(
      ErrorCode.ConfigInvalid,
      `no font to draw the timeline's text (looked for ${(options.fontFiles ?? DEJAVU_FONT_FILES).join(', ')}): ` +
        'install fonts-dejavu-core',
    );
  }
  const svg = await renderTimelineSvg(timeline);
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    font: { fontFiles: [...fontFiles], loadSystemFonts: false, defaultFontFamily: TIMELINE_FONT },
    fitTo: { mode: 'zoom', value: options.zoom ?? 2 },
    background: 'white',
  });
  return resvg.render().asPng();
}
