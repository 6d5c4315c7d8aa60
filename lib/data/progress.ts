/** Download progress bars (cli-progress on stderr), off when stderr is not a terminal. */
import cliProgress from 'cli-progress';

/** A running bar. */
export interface Progress {
  update(value: number): void;
  stop(): void;
}

/**
 * A bar for `label` of `total` bytes (0 if unknown). `enabled` defaults to stderr being a TTY,
 * so logs and tests stay clean.
 */
export function createProgress(label: string, total: number, enabled?: boolean): Progress | null {
  if (!(enabled ?? process.stderr.isTTY === true)) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value_mb}/{total_mb} MB | {eta_formatted}`,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (v: number) => (v / 1048576).toFixed(1);
  bar.start(total > 0 ? total : 1, 0, { value_mb: '0.0', total_mb: total > 0 ? mb(total) : '?' });
  return {
    update(v: number) {
      bar.update(total > 0 ? v : 0, { value_mb: mb(v), total_mb: total > 0 ? mb(total) : '?' });
    },
    stop() {
      bar.stop();
    },
  };
}
