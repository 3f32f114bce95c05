/**
 * Regular expressions in rules and mappings run on RE2 (re2js), not on V8's backtracking engine:
 * RE2 matches in time linear in the input, so a pattern like `/^(a+)+$/` cannot hang the daemon
 * on a hostile ticket title. The price is that backreferences and lookaround are not supported;
 * `regexProblem` finds those at validate time.
 */
import { RE2JS } from 're2js';

/** Compiled patterns by `flags/source`; rule sets hold a bounded number of distinct regexes. */
const compiled = new Map<string, RE2JS>();
const CACHE_LIMIT = 1000;

function compile(regex: RegExp): RE2JS {
  const key = `${regex.flags}/${regex.source}`;
  let re = compiled.get(key);
  if (re === undefined) {
    // translateRegExp turns JavaScript syntax (`(?<name>`, `\u00e9`, the i/m flags) into RE2's.
    re = RE2JS.compile(RE2JS.translateRegExp(regex));
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/**
 * What JSONata's `RegexEngine` option expects: constructed with the regex literal's RegExp, then
 * used like a global RegExp (`lastIndex` in, `exec` → array with `index`, `lastIndex` out).
 */
export class Re2RegExp {
  lastIndex = 0;
  private readonly re: RE2JS;

  constructor(regex: RegExp) {
    try {
      this.re = compile(regex);
    } catch (error) {
      throw new Error(unsupported(regex, error), { cause: error });
    }
  }

  exec(input: string): RegExpExecArray | null {
    const start = this.lastIndex;
    if (start > input.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.re.matcher(input);
    if (!matcher.find(start)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined);
    const result = Object.assign(groups, { index: matcher.start(), input, groups: undefined }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return result;
  }
}

/**
 * Why a regular expression cannot run on RE2 (backreferences, lookahead, lookbehind), in words a
 * rule author can act on; undefined when it can.
 */
export function regexProblem(regex: RegExp): string | undefined {
  try {
    compile(regex);
    return undefined;
  } catch (error) {
    return unsupported(regex, error);
  }
}

function unsupported(regex: RegExp, error: unknown): string {
  {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    return `regular expression /${regex.source}/ is not supported (${detail}); rules run regexes on RE2, which matches in linear time and has no backreferences (\\1) or lookaround ((?=, (?!, (?<=, (?<!)`;
  }
}
