import { z } from 'zod';
import { Argv, argvTemplate } from './argv-template.js';

/**
 * The sections of the agent config behind the recovery actions (restore, backups, config archive,
 * rollback). Each default is the plan's command or the plan's number; anything that would have to
 * be invented (an offsite remote, an encryption key) has no default and the action says so.
 */

/** db.restore: how a plain dump is loaded into a database that may still hold objects. */
export const RestoreSection = z
  .strictObject({
    /**
     * `clean`: `pg_restore --clean --if-exists` inside the restore's single transaction: each object
     * the dump holds is dropped and recreated, and a failure rolls the drops back too. `plain`:
     * no drops; into a database that still has those objects it fails and changes nothing.
     */
    mode: z.enum(['clean', 'plain']).default('clean'),
    /**
     * Read by nothing since dumps are custom-format archives (`--clean` drops what the dump holds);
     * kept so that configs written for plain dumps still load.
     */
    schemas: z
      .array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/))
      .min(1)
      .default(['public']),
    /**
     * When a corrupted database cannot even be dumped, `false` lets the restore go ahead without
     * its safety dump (reported as `safetyDump: null`). The plan's default is to keep one.
     */
    requireSafetyDump: z.boolean().default(true),
    /**
     * Put before pg_restore's argv so that it dies with the agent: killed mid-restore, the agent
     * leaves no pg_restore behind to commit on its own, and the server rolls the one transaction
     * back. Linux's parent-death signal, set by util-linux `setpriv` (lost across a setuid program
     * such as sudo: keep pg_restore itself unprivileged). `[]` turns it off.
     */
    dieWithAgent: z.array(z.string().min(1)).default(['setpriv', '--pdeathsig', 'KILL', '--']),
  })
  .prefault({});

/**
 * Point-in-time recovery with pgBackRest (db.pitr.window, db.pitr.restore). Off until
 * `recio agent install --pitr` (or the admin) set up the stanza and archive_command. `pgbackrest`
 * is a prefix the agent appends exactly one of `info --output=json`, `check` or `--delta
 * --type=time --target=<UTC> --target-action=promote restore` to; it runs as the data directory's
 * owner (on Debian `sudo -n -u postgres /usr/bin/pgbackrest --stanza=recio`). The cluster is
 * stopped and started with `stop`/`start`, run exactly as written.
 */
export const PitrSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    pgbackrest: Argv.default(['sudo', '-n', '-u', 'postgres', '/usr/bin/pgbackrest', '--stanza=recio']),
    stop: Argv.default(['sudo', '-n', 'systemctl', 'stop', 'postgresql']),
    start: Argv.default(['sudo', '-n', 'systemctl', 'start', 'postgresql']),
  })
  .prefault({});

/**
 * backup.verify's scratch database. `{db}` is the scratch name the agent makes up
 * (`recio_verify_<hex>`); connection options go in the argv or in db.env, like psql's.
 */
export const ScratchSection = z
  .strictObject({
    create: argvTemplate(['db'], ['db']).default(['createdb', '{db}']),
    // --force (PostgreSQL 13+) because a load killed at its deadline may still hold a connection.
    drop: argvTemplate(['db'], ['db']).default(['dropdb', '--if-exists', '--force', '{db}']),
    psql: argvTemplate(['db'], ['db']).default(['psql', '-X', '-d', '{db}']),
    pgRestore: argvTemplate(['db'], ['db']).default(['pg_restore', '--dbname={db}']),
  })
  .prefault({});

export const BackupsSection = z
  .strictObject({
    dir: z.string().min(1).default('/backups/postgres'),
    /** The plan: retain the last 7 days locally. */
    keepDays: z.number().int().min(1).max(3650).default(7),
    /**
     * The offsite copy, e.g. `["rclone", "copyto", "{file}", "remote:rec/{name}"]` or
     * `["aws", "s3", "cp", "{file}", "s3://bucket/rec/{name}"]`. `{file}` is the dump's path,
     * `{name}` its file name. Retention there (the plan: 30 days) is the remote's lifecycle rule.
     */
    offsite: argvTemplate(['file', 'name'], ['file']).optional(),
    /**
     * Optional proof the copy is there, e.g. `["rclone", "lsf", "remote:rec/{name}"]`: must exit 0 and print the
     * name.
     */
    offsiteCheck: argvTemplate(['file', 'name'], ['name']).optional(),
    /**
     * The way back: copies the offsite object `{name}` to the local path `{file}`, e.g.
     * `["rclone", "copyto", "remote:rec/{name}", "{file}"]` or `["scp", "backup@vault:rec/{name}", "{file}"]`.
     * A dump named in a request but gone from the backups dir is fetched with it, with its `.sha256`,
     * and used only if the hashes agree.
     */
    offsiteFetch: argvTemplate(['file', 'name'], ['file', 'name']).optional(),
    /**
     * Lists the offsite store, e.g. `["rclone", "lsf", "remote:rec/"]`: any word ending in a nightly
     * dump's name counts. backup.list then reports what is offsite, so the doctor can check §2.1's
     * 30 days there (fresh, and nothing older: the remote's lifecycle rule works).
     */
    offsiteList: argvTemplate([], []).optional(),
    /** Environment for the offsite commands (AWS_*, RCLONE_*); password-like values are redacted. */
    offsiteEnv: z.record(z.string(), z.string()).default({}),
  })
  .prefault({});

/** config.archive: the plan's §2.2, `.env`, `MASTER_PORT_MANIFEST.json`, `config.json`, encrypted. */
export const ConfigBackupSection = z
  .strictObject({
    /** Relative paths are inside deploy.repo. */
    files: z
      .array(
        z
          .string()
          .min(1)
          .refine((f) => !f.split('/').includes('..'), 'no .. in paths'),
      )
      .min(1)
      .default(['.env', 'MASTER_PORT_MANIFEST.json', 'config.json']),
    dir: z.string().min(1).default('/backups/config'),
    /**
     * config.restore decrypts an archive into a new directory under this one, for a person to
     * compare with the live files: never into deploy.repo or over a file that exists.
     */
    restoreDir: z.string().min(1).default('/backups/config-restore'),
    method: z.enum(['age', 'openssl']).default('age'),
    /** age public keys (`age1…`); each becomes `-r`. */
    ageRecipients: z.array(z.string().regex(/^age1[0-9a-z]{20,}$/, 'expected an age public key (age1…)')).default([]),
    /** A recipients file for `age -R` (age or ssh public keys). */
    ageRecipientsFile: z.string().min(1).optional(),
    /**
     * An identity that can decrypt, for the postcondition (the archive decrypts and lists the files).
     * Usually absent on the host, so a stolen host cannot read its own archives; then the check is
     * the age header.
     */
    ageIdentityFile: z.string().min(1).optional(),
    /** `openssl enc -aes-256-cbc -pbkdf2 -pass file:<this>`: a symmetric key, so it also verifies. */
    opensslKeyFile: z.string().min(1).optional(),
    tar: Argv.default(['tar']),
    age: Argv.default(['age']),
    openssl: Argv.default(['openssl']),
  })
  .prefault({});

/** history.archive: the plan's §2.3, service logs and the price and snapshot history, kept keepDays. */
export const HistorySection = z
  .strictObject({
    dir: z.string().min(1).default('/backups/history'),
    /** The plan archives logs weekly; a quarter of them is kept (the newest of each kind always). */
    keepDays: z.number().int().min(1).max(3650).default(90),
    /** Log files or directories (supervisord's childlogdir on Debian); absent ones are skipped and said. */
    logs: z.array(z.string().min(1)).default(['/var/log/supervisor']),
    /** Tables exported with pg_dump (compressed custom format). Default: the tables of db.feeds. */
    tables: z.array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/)).optional(),
    tar: Argv.default(['tar']),
  })
  .prefault({});

export const DeploySection = z
  .strictObject({
    repo: z.string().min(1).default('/opt/rec_io_v2'),
    git: Argv.default(['git']),
    /** Run as `<pip> install -r requirements.txt --upgrade` in the repo, the plan's command. */
    pip: Argv.default(['pip']),
    /** Which tags deploy.tags lists as releases (a regular expression on the tag name). */
    releaseTags: z
      .string()
      .default('^v?[0-9]')
      .refine((source) => {
        try {
          new RegExp(source);
          return true;
        } catch {
          // An invalid pattern is exactly what this refinement reports.
          return false;
        }
      }, 'not a valid regular expression'),
    /** Roll back over local changes to tracked files (they are lost). Off: a dirty tree is refused. */
    force: z.boolean().default(false),
    /** After every program is RUNNING, how long they must stay up before the rollback counts. */
    settleSeconds: z.number().int().min(0).max(600).default(10),
  })
  .prefault({});

/**
 * How the agent reaches supervisord. `auto`: XML-RPC on the unix socket (what supervisorctl itself
 * speaks, without starting Python per call), falling back to the `supervisorctl` argv when no socket
 * is configured or it cannot be reached. Without `socket`, the socket and its username/password come
 * from the supervisord config supervisorctl reads (its `-c`, else supervisorctl's search path).
 * `supervisorctl`: always the argv.
 */
export const SupervisordSection = z
  .strictObject({
    via: z.enum(['auto', 'supervisorctl']).default('auto'),
    socket: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    /** As in `[unix_http_server]`; redacted from all output. */
    password: z.string().min(1).optional(),
  })
  .prefault({});
