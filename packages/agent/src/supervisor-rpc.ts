import type { RequestOptions } from 'node:http';
import xmlrpc from 'xmlrpc';
import type { SupervisordEndpoint } from './supervisor-endpoint.js';

/**
 * What one XML-RPC call to supervisord came to. `unreachable`: nothing was delivered (no socket,
 * refused, wrong credentials), so a caller may take the supervisorctl argv instead, even for a
 * mutating call. `broken` and `timeout`: the call may have been delivered, so a mutating call is
 * never repeated after them.
 */
export type RpcAnswer =
  | { kind: 'value'; value: unknown }
  | { kind: 'fault'; faultCode: number; faultString: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'broken'; message: string };

// Connect errors: the request never reached supervisord.
const NOT_DELIVERED = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'ENOTDIR']);

/** supervisord's fault codes the agent reads (supervisor/xmlrpc.py, class Faults). */
export const Fault = {
  BadName: 10,
  NoFile: 20,
  AbnormalTermination: 40,
  SpawnError: 50,
  AlreadyStarted: 60,
  NotRunning: 70,
} as const;

/**
 * The exit status supervisorctl gives a fault from start or stop (set_exitstatus_from_xmlrpc_fault):
 * 0 for the one the verb ignores, 7 (LSB "not running") for a program that died, 1 otherwise.
 */
export function exitStatusOfFault(faultCode: number, ignored: number): number {
  if (faultCode === ignored) return 0;
  const dead: number[] = [Fault.SpawnError, Fault.AbnormalTermination, Fault.NotRunning];
  return dead.includes(faultCode) ? 7 : 1;
}

/** What the xmlrpc package rejects with: an Error carrying a socket code or an XML-RPC fault. */
type CallError = Error & {
  code?: string;
  faultCode?: number;
  faultString?: string;
  res?: { statusCode?: number };
};

/**
 * One XML-RPC call on a fresh connection to the socket. A fresh connection per call (a unix socket
 * connect costs microseconds) means a supervisord restarted under the agent is simply reached
 * again at the next call: no kept-alive socket that went stale, no reconnect logic to get wrong.
 */
export function supervisordCall(
  endpoint: SupervisordEndpoint,
  method: string,
  params: unknown[],
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<RpcAnswer> {
  const timeout = AbortSignal.timeout(Math.max(1, options.timeoutMs));
  const signal = AbortSignal.any([options.signal, timeout]);
  const where = `supervisord at ${endpoint.socket}`;
  // Basic auth set here rather than via xmlrpc's basic_auth, which uses the deprecated new Buffer().
  const headers =
    endpoint.username === undefined
      ? {}
      : {
          Authorization: `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password ?? ''}`).toString('base64')}`,
        };
  const http: RequestOptions = { socketPath: endpoint.socket, path: '/RPC2', agent: false, signal, headers };
  const client = xmlrpc.createClient(http as Parameters<typeof xmlrpc.createClient>[0]);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: RpcAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const onAbort = () => {
      const why = timeout.aborted ? 'no answer in time' : 'cancelled';
      settle({ kind: 'timeout', message: `${where}: ${method}: ${why}` });
    };
    if (signal.aborted) return onAbort();
    // The abort also ends the request inside xmlrpc, but a response cut mid-body may never call back.
    signal.addEventListener('abort', onAbort, { once: true });
    client.methodCall(method, params, (failure: object | null, value: unknown) => {
      const error = failure as CallError | null;
      signal.removeEventListener('abort', onAbort);
      if (error === null || error === undefined) return settle({ kind: 'value', value });
      if (typeof error.faultCode === 'number')
        return settle({ kind: 'fault', faultCode: error.faultCode, faultString: error.faultString ?? '' });
      if (signal.aborted) return onAbort();
      if (error.code !== undefined && NOT_DELIVERED.has(error.code))
        return settle({ kind: 'unreachable', message: `${where}: ${error.message}` });
      const status = error.res?.statusCode;
      if (status === 401)
        return settle({ kind: 'unreachable', message: `${where}: refused the username/password (HTTP 401)` });
      const detail = status !== undefined && status !== 200 ? `HTTP ${status}` : error.message;
      settle({ kind: 'broken', message: `${where}: ${method}: not an XML-RPC answer (${detail})` });
    });
  });
}
