import type { BacktestProgress } from './run-backtest.js';

const WIDTH = 30;
const REDRAW_MS = 100;

/**
 * A one-line progress bar, redrawn in place with `\r` (reading: a record count; replaying: bar,
 * percent and rate). Redraws at most every 100 ms; `done()` ends the line.
 */
export function createProgressBar(write: (text: string) => void, now: () => number = () => performance.now()): { update(p: BacktestProgress): void; done(): void } {
  const started = now();
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let width = 0;
  const draw = (text: string): void => {
    write(`\r${text.padEnd(width)}`);
    width = text.length;
    drawn = true;
  };
  return {
    update(p) {
      const t = now();
      const final = p.total !== undefined && p.done >= p.total;
      if (!final && t - last < REDRAW_MS) return;
      last = t;
      draw(progressLine(p, (t - started) / 1000));
    },
    done() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}

/** The text of the bar for a progress report after `seconds`. */
export function progressLine(p: BacktestProgress, seconds: number): string {
  const rate = seconds > 0 ? Math.round(p.done / seconds) : 0;
  if (p.phase === 'read' || p.total === undefined) return `backtest: reading input… ${p.done.toLocaleString('en-US')} records`;
  const share = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
  const filled = Math.round(share * WIDTH);
  return (
    `backtest [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
    `${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} versions  ${rate.toLocaleString('en-US')}/s`
  );
}
