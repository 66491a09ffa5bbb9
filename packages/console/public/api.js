// The page's side of the console's JSON API and its event stream.

export async function fetchState(user) {
  const query = user ? `?user=${encodeURIComponent(user)}` : '';
  const res = await fetch(`/api/state${query}`, { cache: 'no-store' });
  const body = await res.json().catch(() => ({ ok: false, error: res.statusText }));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** POST a JSON body; answers `{ ok: true, deliveries }` or `{ ok: false, error }`, never throws. */
export async function post(path, body) {
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
    return res.ok ? answer : { ok: false, error: answer.error ?? `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, error: `the console is not reachable (${error.message})` };
  }
}

/**
 * What Slack would tell the person when the app did not take a delivery: a slash command the
 * bot did not acknowledge within 3 s fails with "operation_timeout"; a refused one with
 * "dispatch_failed".
 */
export function deliveryProblem(answer, what) {
  if (!answer.ok) return answer.error;
  for (const d of answer.deliveries ?? []) {
    if (d.outcome === 'acked') {
      if (d.error) return `${what}: Slack did not accept the app's answer (${d.error})`;
      continue;
    }
    if (d.kind === 'slash_command')
      return `${what} failed with the error "${d.outcome === 'timed_out' ? 'operation_timeout' : 'dispatch_failed'}"`;
    return `${what}: the app did not respond (${d.outcome}${d.status ? `, HTTP ${d.status}` : ''})`;
  }
  return undefined;
}

/** Server-sent events: `onChange` on every change (and on every (re)connect), `onStatus` live/offline. */
export function listen(onChange, onStatus) {
  const source = new EventSource('/events');
  source.addEventListener('hello', () => {
    onStatus('live');
    onChange({ type: 'hello' });
  });
  source.addEventListener('change', (event) => onChange(JSON.parse(event.data)));
  source.addEventListener('error', () => onStatus('reconnecting'));
  return source;
}
