import { ErrorCode, RecioError } from '@recio/protocol/errors';

export interface InstallLineOptions {
  publicKey: string;
  agentPath: string;
  configPath: string;
  from?: string;
}

const PUBLIC_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) [A-Za-z0-9+/=]+(?: [^\n"]*)?$/;
const SAFE_PATH = /^\/[A-Za-z0-9_./-]+$/;
const FROM = /^[A-Za-z0-9.:*?!/,-]+$/;

/**
 * The authorized_keys line that turns the bot's key into "run recio-agent, nothing else": `restrict`
 * drops forwarding and PTYs, `command=` ignores whatever the client asked to run, `from=` pins where
 * the bot connects from.
 */
export function installLine(options: InstallLineOptions): string {
  const key = options.publicKey.trim();
  if (!PUBLIC_KEY.test(key))
    throw new RecioError(ErrorCode.InvalidParams, 'expected one OpenSSH public key line (ssh-ed25519 AAAA… comment)');
  for (const [name, path] of [
    ['agent path', options.agentPath],
    ['config path', options.configPath],
  ] as const) {
    if (!SAFE_PATH.test(path))
      throw new RecioError(
        ErrorCode.InvalidParams,
        `${name} must be an absolute path of [A-Za-z0-9_./-], got ${JSON.stringify(path)}`,
      );
  }
  if (options.from !== undefined && !FROM.test(options.from)) {
    throw new RecioError(
      ErrorCode.InvalidParams,
      `--from must be an address pattern list (10.0.0.2,10.0.1.*), got ${JSON.stringify(options.from)}`,
    );
  }
  const from = options.from === undefined ? '' : `from="${options.from}",`;
  return `restrict,${from}command="${options.agentPath} --config ${options.configPath}" ${key}`;
}
