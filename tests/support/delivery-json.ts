// The shapes tests read from `consign deliver --json` (and `deliveries show --json`) and from
// `consign audit list --json`.

export interface DeliverJson {
  delivery: { id: string; release: string; status: string; gate?: string; error?: string };
  images: { source: string; verdict?: string; reasons: { id: string }[] }[];
  customers: {
    name: string;
    status: string;
    error?: string;
    images: {
      source: string;
      ref: string;
      digest: string | null;
      signed: boolean;
      verified: boolean;
      status: string;
      error?: string;
      record?: string;
    }[];
  }[];
}

export interface AuditEvent {
  seq: number;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}
