import type { Db } from './db.js';

/** The failing checks of each daily self-check, newest last. */
export interface DoctorReportsRepo {
  /** Records this run's failing check names and returns the previous run's (empty if none). */
  record(failing: string[]): Promise<{ previous: string[] }>;
}

export function createDoctorReportsRepo(db: Db): DoctorReportsRepo {
  return {
    async record(failing) {
      const [previous] = await db.query<{ failing: string[] }>(
        'SELECT failing FROM doctor_reports ORDER BY id DESC LIMIT 1',
      );
      await db.query('INSERT INTO doctor_reports (failing) VALUES ($1::jsonb)', [JSON.stringify(failing)]);
      return { previous: previous?.failing ?? [] };
    },
  };
}
