import { randomBytes } from 'node:crypto';
import type { StoreLogger } from '../../store/index.js';
import type { ReportData } from '../report.js';
import { renderTimelinePng, type RenderOptions } from './render-timeline.js';
import { timelineFrom } from './timeline-data.js';
import { timelineAltText } from './timeline-spec.js';

/** The report's picture as the outbox carries it to Slack (JSON, so the bytes as base64). */
export interface ReportPicture {
  filename: string;
  title: string;
  altText: string;
  base64: string;
}

/** `incident-1a2b3c4d-timeline.png`: the console finds an incident's picture by this name. */
export const timelinePictureFilename = (incidentId: string) => `incident-${incidentId.slice(0, 8)}-timeline.png`;

/**
 * The timeline picture for a report, or — if it cannot be drawn — what to tell the thread: the
 * report goes up either way, and the failure is logged with the reference the thread shows.
 */
export async function drawReportPicture(
  data: ReportData,
  logger: StoreLogger,
  options: RenderOptions = {},
): Promise<{ picture: ReportPicture } | { failure: string }> {
  const timeline = timelineFrom(data);
  try {
    const png = await renderTimelinePng(timeline, options);
    return {
      picture: {
        filename: timelinePictureFilename(data.incident.id),
        title: `Timeline — ${data.incident.title}`.slice(0, 200),
        altText: timelineAltText(timeline),
        base64: png.toString('base64'),
      },
    };
  } catch (error) {
    const ref = randomBytes(4).toString('hex');
    logger.error({ err: error, ref, incidentId: data.incident.id }, 'drawing the timeline picture failed');
    return {
      failure:
        `:warning: The timeline picture could not be drawn (ref ${ref}): ${(error as Error).message}`.slice(0, 500) +
        '. The report above has the same timeline in words.',
    };
  }
}
