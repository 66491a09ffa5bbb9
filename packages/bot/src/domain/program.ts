/** A supervisor program as service.status reports it. */
export interface Program {
  name: string;
  state: string;
  pid: number | null;
  uptime: string | null;
  description?: string;
  managed?: boolean;
}
