import type { RegisterFormat } from '$lib/api/types';

/** The format of a register file, from the end of its name: .csv, or .ndjson / .jsonl. */
export function formatOf(fileName: string): RegisterFormat | null {
  const name = fileName.toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  return null;
}

/** Share of the file read so far, between 0 and 1. */
export function byteShare(bytesRead: number, bytesTotal: number): number {
  return bytesTotal > 0 ? Math.min(1, Math.max(0, bytesRead / bytesTotal)) : 0;
}
