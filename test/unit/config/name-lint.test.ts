import { describe, expect, it } from 'vitest';
import { checkNames } from '../../../src/config/name-lint.js';
import { mappingScope, ruleExpressionScope } from '../../../src/config/expression-scopes.js';

const when = ruleExpressionScope('routing', ['when']);
const note = ruleExpressionScope('routing', ['note', 'template']);
if (when === undefined || note === undefined) throw new Error('routing scopes missing');

const brief = (text: string, scope = when) => checkNames(text, scope, 'rules[0].when').map(({ severity, code, message, index }) => ({ severity, code, message, index }));

describe('checkNames', () => {
  it('reports an unknown function as an error and a misspelled ticket field as a warning, each with a suggestion and where it starts', () => {
    expect(brief('$lowercas(categry) = "network"')).toEqual([
      { severity: 'error', code: 'unknown-function', message: 'Unknown function $lowercas in rules[0].when; did you mean $lowercase?', index: 0 },
      { severity: 'warning', code: 'unknown-ticket-field', message: 'Unknown ticket field "categry" in rules[0].when; did you mean "category"?', index: 10 },
    ]);
  });

  it('checks the fields of ticket fields that are objects', () => {
    expect(brief('resolution.cod = "x" or source.platfrm = "jira"')).toEqual([
      { severity: 'warning', code: 'unknown-ticket-field', message: 'Unknown field "cod" of resolution in rules[0].when; did you mean "code"?', index: 11 },
      { severity: 'warning', code: 'unknown-ticket-field', message: 'Unknown field "platfrm" of source in rules[0].when; did you mean "platform"?', index: 31 },
    ]);
  });

  it('accepts what exists: JSONata functions, fields, raw.<anything>, and functions and variables the expression defines', () => {
    expect(brief('($up := function($v) { $uppercase($v) }; $up(title) = "VPN" and raw.u_anything.value = "1" and $count(labels[$ = "x"]) > 0 and $now() > createdAt)')).toEqual([]);
  });

  it('suggests nothing for a name far from any, and says what is bound', () => {
    const [problem] = checkNames('$frobnicate(title)', when, 'rules[0].when');
    expect(problem?.message).toBe('Unknown function $frobnicate in rules[0].when');
  });

  it('knows the variables a note template is rendered with, and flags the ones it is not', () => {
    expect(brief('"to " & $group & " by " & $rule.id & $why & $assignee', note)).toEqual([]);
    expect(brief('"to " & $grop', note)).toEqual([{ severity: 'warning', code: 'unknown-variable', message: 'Unknown variable $grop in rules[0].when; did you mean $group?', index: 8 }]);
    // The same variable in a `when` is not bound at all.
    expect(brief('$group = "x"').map((p) => p.code)).toEqual(['unknown-variable']);
  });

  it('reports a bound value called as a function', () => {
    expect(brief('$group()', note)).toEqual([{ severity: 'error', code: 'unknown-function', message: '$group is not a function in rules[0].when: it is the group the rule assigns', index: 0 }]);
  });

  it('says a mapping helper is not available in a rule', () => {
    expect(checkNames('$display(caller_id)', when, 'rules[0].when')[0]?.hint).toMatch(/mapping helper/);
  });

  it('gives nothing for an expression that does not compile (the syntax error is reported elsewhere)', () => {
    expect(brief('$lowercas(')).toEqual([]);
  });
});

describe('expression scopes', () => {
  it('lets a pattern group by $cluster and render its texts over the evidence, not a ticket', () => {
    const groupBy = ruleExpressionScope('pattern', ['groupBy', 0]);
    const title = ruleExpressionScope('pattern', ['problem', 'title']);
    expect(groupBy && checkNames('$cluster', groupBy, 'x')).toEqual([]);
    expect(title && checkNames('count & " since " & firstSeen', title, 'x')).toEqual([]);
  });

  it('binds $failed and $rule in QA write-back texts, $sla in SLA notes', () => {
    const failNote = ruleExpressionScope('qa', ['onFail', 'note', 'template']);
    const slaNote = ruleExpressionScope('sla', ['escalations', 2, 'note', 'template']);
    expect(failNote && checkNames('$join($failed.("- " & message), "\\n") & $rule.id', failNote, 'x')).toEqual([]);
    expect(slaNote && checkNames('$sla.elapsed & $rule.id', slaNote, 'x')).toEqual([]);
  });

  it('checks no names where it does not know what is bound (a rule description is not evaluated)', () => {
    expect(ruleExpressionScope('routing', ['description'])).toBeUndefined();
    expect(ruleExpressionScope('sla', ['escalations', 0, 'task', 'title'])).toBeUndefined();
  });

  it('gives mappings the helpers every platform registers, and $source inbound only', () => {
    expect(checkNames('{ "a": $display(x), "b": $adfText(y), "c": $source.id }', mappingScope('inbound'), 'm')).toEqual([]);
    expect(checkNames('{ "c": $source.id }', mappingScope('outbound'), 'm').map((p) => p.code)).toEqual(['unknown-variable']);
    expect(checkNames('$displai(x)', mappingScope('inbound'), 'the inbound mapping')[0]).toMatchObject({
      severity: 'error',
      message: 'Unknown function $displai in the inbound mapping; did you mean $display?',
      hint: expect.stringContaining('quarantined'),
    });
  });
});

describe('a function called without its $', () => {
  it('is an error pointing at the name, with the function meant', () => {
    expect(brief('lowercase(category) = "network"')).toEqual([
      { severity: 'error', code: 'unknown-function', message: 'lowercase(…) in rules[0].when calls a field, not a function; did you mean $lowercase?', index: 0 },
    ]);
  });

  it('is not flagged on a constructed object, which may hold a function', () => {
    expect(brief('($o := {"f": function($x) { $x }}; $o.f(1))')).toEqual([]);
  });
});
