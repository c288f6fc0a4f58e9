/** In-process counters for what the edge did; readable on /health (Prometheus metrics come later). */
export interface IngressStats {
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
  unavailable: number;
}

export const createStats = (): IngressStats => ({ accepted: 0, duplicates: 0, rejected: {}, unavailable: 0 });

export function countRejection(stats: IngressStats, reason: string): void {
  stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
}
