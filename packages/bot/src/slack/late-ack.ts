import { randomBytes } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { DeliveryKind, Metrics } from '../observability/metrics.js';

/**
 * Slack waits 3 s for an ack, then shows the person an error and ignores any later answer. Bolt's
 * HTTP receiver answers the request itself at that moment (a 404), so a listener's `ack()` that
 * comes later throws: the response is gone. On a loaded machine a store read before the ack can
 * take that long, and the throw used to end the listener — a typed approval was lost with it.
 *
 * A late ack is not a reason to drop what the person asked for: it is logged with a reference and
 * counted, and the listener goes on (its answer reaches the person as a message; a resubmitted
 * form is the same delivery key, so nothing runs twice). What the ack itself would have shown
 * (a form's field errors, a command's parse error) is handed to `tell`, for the person to read
 * privately instead.
 */
export interface LateAckOptions<R> {
  kind: DeliveryKind;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Says privately what the late ack would have shown, when it carried something to show. */
  tell?: (response: R, ref: string) => Promise<void>;
}

/** What a listener's ack takes: a view submission's response action, a command's text... */
type AckResponse<A> = A extends { ack: (response?: infer R) => Promise<void> } ? Exclude<R, undefined> : never;

/** Node's refusal to write a response that was already sent. */
function isLate(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_HTTP_HEADERS_SENT';
}

export function tolerateLateAck<A extends { ack: (response?: never) => Promise<void> }>(
  args: A,
  options: LateAckOptions<AckResponse<A>>,
): A {
  const ack = async (response?: AckResponse<A>): Promise<void> => {
    try {
      await args.ack(response as never);
    } catch (error) {
      if (!isLate(error)) throw error;
      const ref = randomBytes(4).toString('hex');
      options.metrics?.countDelivery(options.kind, 'late');
      options.logger.warn(
        { ref, kind: options.kind },
        'acknowledged after Slack stopped waiting (3 s): the person saw an error; the request goes on',
      );
      if (response === undefined || options.tell === undefined) return;
      try {
        await options.tell(response, ref);
      } catch (tellError) {
        options.logger.error({ err: tellError, ref }, 'could not tell the person what a late ack would have shown');
      }
    }
  };
  return { ...args, ack };
}
