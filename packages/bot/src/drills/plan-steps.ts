import type { Scenario } from './drill-types.js';

/** What the plan makes a person type for one scenario: its commands, counted from its text. */
export interface PlanSteps {
  section: string;
  commands: string[];
  /** What the plan leaves to the person beyond the commands. */
  also?: string;
}

/**
 * The disaster-recovery plan's own steps (seed/disaster-recovery-plan.md §1), one command a line,
 * so a drill's operator actions can be set beside them. The §3 checklist is six more checks by hand.
 */
export function planStepsFor(scenario: Scenario, variant?: string): PlanSteps {
  switch (scenario) {
    case 'postgres-failure':
      return {
        section: '1.1',
        commands: [
          'sudo systemctl status postgresql',
          'sudo systemctl restart postgresql',
          'psql -U $POSTGRES_USER -d $POSTGRES_DB -c "\\dt"',
          ...(variant === 'drop-table' ? ['psql -U $POSTGRES_USER -d $POSTGRES_DB < /path/to/latest_backup.sql'] : []),
          'supervisorctl restart trade_manager trade_executor active_trade_supervisor auto_entry_supervisor',
        ],
      };
    case 'service-crash':
      return {
        section: '1.2',
        commands: ['supervisorctl tail <service_name>', 'supervisorctl restart <service_name>'],
        also: 'if it fails again, check the DB and the APIs',
      };
    case 'provider-outage':
      return {
        section: '1.3',
        commands: [
          'curl the Kalshi status endpoint',
          'curl the Coinbase status endpoint',
          'supervisorctl stop auto_entry_supervisor',
        ],
        also: 'watch for the provider to come back (up to 15 min), then start auto_entry_supervisor again',
      };
    case 'bad-release':
      return {
        section: '1.4',
        commands: [
          'cd /opt/rec_io_v2',
          'git checkout <last_good_tag>',
          'pip install -r requirements.txt --upgrade',
          'supervisorctl restart all',
        ],
        also: 'verify with smoke tests',
      };
  }
}

/** §3: each item a check a person runs by hand (\dt, supervisorctl status, two feed queries, the web UI, a trade). */
export const CHECKLIST_CHECKS = 6;
