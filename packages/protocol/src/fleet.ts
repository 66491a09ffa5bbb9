import { z } from 'zod';

// The fleet file's shape: written by people, the installer and the sandbox; read by the bot.
/** A host in the fleet file, with the SHA256 fingerprint of the SSH host key we will accept. */
export const HostRole = z.enum(['db', 'app', 'web']);
export type HostRole = z.infer<typeof HostRole>;

export const HostKeyFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected SHA256:<43 base64 characters>, as `ssh-keygen -lf` prints it');

export const FleetHost = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a lower-case host name'),
  address: z.string().min(1, 'expected an address'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a unix user name')
    .default('recio'),
  hostKey: HostKeyFingerprint,
  roles: z.array(HostRole).min(1, 'expected at least one role (db, app or web)'),
});
export type FleetHost = z.infer<typeof FleetHost>;

export const Fleet = z.strictObject({ hosts: z.array(FleetHost).min(1, 'expected at least one host') });
export type Fleet = z.infer<typeof Fleet>;
