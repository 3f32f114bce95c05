/**
 * Pattern detection: does a group's recent count depart from its own normal rate?
 *
 * A pattern rule groups incidents by key (CI, category/subcategory, …) and counts each incident
 * once, at its creation time. For a key, `windowCount` incidents fell in the recent window and
 * `baselineCount` in the baseline period just before it (the window is not part of the baseline).
 * The key's normal rate scaled to the window is the expected count
 *
 *     expected = baselineCount × windowMs / baselineMs
 *
 * and the window "spikes" when all of these hold:
 *  - `windowCount ≥ minCount` (a floor: two incidents of a rare key are not a pattern);
 *  - `windowCount ≥ factor × expected` (a busy key running a little hot is not a pattern);
 *  - the Poisson upper tail P(X ≥ windowCount | expected) is at most `maxPValue` (the count is
 *    unlikely to be chance at the key's normal rate — the factor alone lets a quiet key with an
 *    expected 0.9 trigger on 3).
 * Independently, `absoluteCount` (off unless set) triggers on the count alone, whatever the
 * baseline says.
 *
 * Pure: no clock, no state; the caller counts.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Trigger parameters of a pattern rule (the `trigger:` block). Every field has a default. */
export interface SpikeParams {
  /**
   * Fewest incidents in the window for the spike test to trigger; applies to a key with no
   * incidents in its baseline too, so it is the whole test for new keys. Default 6.
   */
  minCount?: number;
  /**
   * The window count must be at least `factor` times the expected count (the key's normal rate
   * over the baseline, scaled to the window). 0 disables this check. Default 5.
   */
  factor?: number;
  /**
   * Largest Poisson upper-tail probability P(X ≥ windowCount) at the expected count for which
   * the spike test triggers; smaller is stricter. 1 disables this check. Default 1e-5.
   */
  maxPValue?: number;
  /**
   * A window count at or above this triggers regardless of the baseline (an outage floor).
   * Off when absent.
   */
  absoluteCount?: number;
}

/**
 * Defaults of {@link SpikeParams}, chosen on the UCI ServiceNow event log with a 24 h window and a
 * 28-day baseline (bench/patterns.ts): about half the problems of a fixed ≥ 5 per 24 h count on
 * the same keys, and a fraction of the incidents flagged. The issue's first sketch (4, 3×, 1e-3)
 * opened ~3.8 problems per 1,000 incidents on category/subcategory.
 */
export const DEFAULT_SPIKE_PARAMS: Readonly<Required<Omit<SpikeParams, 'absoluteCount'>>> = Object.freeze({
  minCount: 6,
  factor: 5,
  maxPValue: 1e-5,
});

export interface SpikeInput {
  /** Incidents of the key in the recent window (including the one being evaluated, if any). */
  windowCount: number;
  /** Incidents of the key in the baseline period before the window. */
  baselineCount: number;
  /** Length of the recent window, ms (> 0). */
  windowMs: number;
  /**
   * Length of the baseline period actually observed, ms. 0 (or less) means no baseline has been
   * observed yet (e.g. a daemon without history): only `absoluteCount` can then trigger. A key
   * that was observed but had no incidents is `baselineCount: 0` with a positive `baselineMs`.
   */
  baselineMs: number;
  params?: SpikeParams;
}

export interface SpikeAssessment {
  triggered: boolean;
  /** Which test triggered: the spike test, the absolute floor, or neither. */
  by: 'spike' | 'absolute' | 'none';
  /** Incidents the key's normal rate predicts for the window (0 without a baseline). */
  expected: number;
  /** windowCount / expected; Infinity when expected is 0 and windowCount > 0, 0 when both are 0. */
  ratio: number;
  /** Poisson P(X ≥ windowCount | expected); absent when no baseline was observed. */
  pValue?: number;
  /** One plain sentence for a problem manager. */
  reason: string;
}

/** Parameters with defaults filled in. */
export function resolveSpikeParams(params: SpikeParams = {}): Required<Omit<SpikeParams, 'absoluteCount'>> & Pick<SpikeParams, 'absoluteCount'> {
  const resolved = {
    minCount: params.minCount ?? DEFAULT_SPIKE_PARAMS.minCount,
    factor: params.factor ?? DEFAULT_SPIKE_PARAMS.factor,
    maxPValue: params.maxPValue ?? DEFAULT_SPIKE_PARAMS.maxPValue,
    ...(params.absoluteCount !== undefined ? { absoluteCount: params.absoluteCount } : {}),
  };
  if (!(resolved.minCount >= 1)) throw new RangeError(`minCount must be at least 1 (got ${resolved.minCount})`);
  if (!(resolved.factor >= 0)) throw new RangeError(`factor must be 0 or more (got ${resolved.factor})`);
  if (!(resolved.maxPValue > 0 && resolved.maxPValue <= 1)) throw new RangeError(`maxPValue must be in (0, 1] (got ${resolved.maxPValue})`);
  if (resolved.absoluteCount !== undefined && !(resolved.absoluteCount >= 1)) {
    throw new RangeError(`absoluteCount must be at least 1 (got ${resolved.absoluteCount})`);
  }
  return resolved;
}

/** Decides whether a key's window count departs from its baseline. */
export function assessSpike(input: SpikeInput): SpikeAssessment {
  const params = resolveSpikeParams(input.params);
  const { windowCount, baselineCount, windowMs, baselineMs } = input;
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive (got ${windowMs})`);
  if (!(windowCount >= 0) || !(baselineCount >= 0)) throw new RangeError('counts must be 0 or more');

  const hasBaseline = baselineMs > 0;
  const expected = hasBaseline ? (baselineCount * windowMs) / baselineMs : 0;
  const ratio = expected > 0 ? windowCount / expected : windowCount > 0 ? Infinity : 0;
  const pValue = hasBaseline ? poissonUpperTail(windowCount, expected) : undefined;

  const absolute = params.absoluteCount !== undefined && windowCount >= params.absoluteCount;
  const spike = hasBaseline && windowCount >= params.minCount && windowCount >= params.factor * expected && (pValue ?? 1) <= params.maxPValue;

  const by = spike ? 'spike' : absolute ? 'absolute' : 'none';
  const reason = describe({ windowCount, baselineCount, windowMs, baselineMs, expected, ratio, pValue, params, by });
  return { triggered: by !== 'none', by, expected, ratio, ...(pValue !== undefined ? { pValue } : {}), reason };
}

/**
 * Poisson upper tail P(X ≥ k) for mean `lambda`: 1 for k ≤ 0; for lambda 0, 0 when k ≥ 1.
 * Summed in log space, so it stays accurate for tiny tails and large counts.
 */
export function poissonUpperTail(k: number, lambda: number): number {
  if (!(lambda >= 0)) throw new RangeError(`lambda must be 0 or more (got ${lambda})`);
  const n = Math.ceil(k);
  if (n <= 0) return 1;
  if (lambda === 0) return 0;
  const logTerm = (i: number): number => -lambda + i * Math.log(lambda) - logFactorial(i);
  if (n > lambda) {
    // Terms fall from i = n upwards: sum until they stop mattering.
    let sum = 0;
    for (let i = n; ; i++) {
      const term = Math.exp(logTerm(i));
      sum += term;
      if (term <= sum * 1e-16 || i > n + 10_000) break;
    }
    return Math.min(1, sum);
  }
  let lower = 0;
  for (let i = 0; i < n; i++) lower += Math.exp(logTerm(i));
  return Math.max(0, 1 - lower);
}

const LOG_FACTORIALS: number[] = [0];

function logFactorial(n: number): number {
  for (let i = LOG_FACTORIALS.length; i <= n; i++) LOG_FACTORIALS.push((LOG_FACTORIALS[i - 1] ?? 0) + Math.log(i));
  return LOG_FACTORIALS[n] ?? 0;
}

/** "24 h", "4 h", "28 days", "6.5 days", "1.5 h", "30 min". */
export function formatDuration(ms: number): string {
  if (ms >= 2 * DAY_MS && ms % DAY_MS === 0) return `${ms / DAY_MS} days`;
  if (ms >= HOUR_MS && ms < 3 * DAY_MS && ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  if (ms >= 2 * DAY_MS) return `${trim((ms / DAY_MS).toFixed(1))} days`;
  if (ms >= HOUR_MS) return `${trim((ms / HOUR_MS).toFixed(1))} h`;
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}

function trim(text: string): string {
  return text.replace(/\.0$/, '');
}

/** A rate for people: "0.4", "0.03", "12". */
function formatRate(x: number): string {
  if (x === 0) return '0';
  if (x < 0.1) return String(Number(x.toPrecision(1)));
  if (x < 10) return trim(x.toFixed(1));
  return Math.round(x).toLocaleString('en');
}

function formatRatio(x: number): string {
  return x < 10 ? `${trim(x.toFixed(1))}×` : `${Math.round(x).toLocaleString('en')}×`;
}

/** "about 1 in 2,000" for a probability. */
function formatChance(p: number): string {
  if (p <= 0) return 'practically never';
  if (p >= 0.5) return 'more often than not';
  const odds = 1 / p;
  const rounded = odds >= 1e12 ? '1 in over a trillion' : `1 in ${Number(odds.toPrecision(2)).toLocaleString('en')}`;
  return `about ${rounded}`;
}

function incidents(n: number): string {
  return `${n.toLocaleString('en')} incident${n === 1 ? '' : 's'}`;
}

interface Described {
  windowCount: number;
  baselineCount: number;
  windowMs: number;
  baselineMs: number;
  expected: number;
  ratio: number;
  pValue: number | undefined;
  params: ReturnType<typeof resolveSpikeParams>;
  by: SpikeAssessment['by'];
}

function describe(d: Described): string {
  const window = formatDuration(d.windowMs);
  const head = `${incidents(d.windowCount)} in ${window}`;
  if (!(d.baselineMs > 0)) {
    const absolute = d.params.absoluteCount;
    if (d.by === 'absolute') return `${head}, at or above the absolute threshold of ${absolute}; no earlier history to compare with.`;
    return `${head}; no earlier history to compare with yet, so only an absolute threshold${absolute !== undefined ? ` (${absolute})` : ''} could trigger.`;
  }
  const previous = `the previous ${formatDuration(d.baselineMs)}`;
  const normal = d.baselineCount === 0 ? `none in ${previous}` : `a normal ${formatRate(d.expected)} per ${window} over ${previous}`;
  const chance = d.pValue !== undefined ? formatChance(d.pValue) : '';

  if (d.by === 'spike') {
    if (d.baselineCount === 0) return `${head} against ${normal}.`;
    return `${head} against ${normal} (${formatRatio(d.ratio)} the usual rate; by chance ${chance}).`;
  }
  if (d.by === 'absolute') {
    return `${head}, at or above the absolute threshold of ${d.params.absoluteCount} (against ${normal}).`;
  }
  // Not triggered: say which test held it back.
  if (d.windowCount < d.params.minCount) return `${head}, below the minimum of ${d.params.minCount} (against ${normal}).`;
  if (d.windowCount < d.params.factor * d.expected) {
    return `${head} against ${normal}: ${formatRatio(d.ratio)} the usual rate, under the ${formatRatio(d.params.factor)} needed.`;
  }
  return `${head} against ${normal}: ${formatRatio(d.ratio)} the usual rate, but that happens by chance ${chance} (needs 1 in ${Number((1 / d.params.maxPValue).toPrecision(2)).toLocaleString('en')} or rarer).`;
}
