import { describe, expect, it } from 'vitest';
import { EncodedQueryError, and, anyOf, condition, configuredQuery, orderBy } from '../../../../src/platforms/servicenow/query.js';

describe('ServiceNow encoded-query builder', () => {
  it('builds conditions joined with ^ and branches joined with ^NQ', () => {
    const query = orderBy(
      anyOf(and(condition('active', '=', 'true'), condition('sys_updated_on', '>', '2024-05-14 09:15:42')), and(condition('active', '=', 'true'), condition('sys_id', '>', 'abc'))),
      'sys_updated_on',
    );

    expect(query).toBe('active=true^sys_updated_on>2024-05-14 09:15:42^NQactive=true^sys_id>abc^ORDERBYsys_updated_on');
  });

  it.each([
    ['a caret', 'INC0010001^NQactive=true'],
    ['an OR clause', 'x^ORpriority=1'],
    ['a line feed', 'INC0010001\nactive=true'],
    ['a carriage return', 'INC0010001\ractive=true'],
  ])('rejects a value containing %s', (_what, value) => {
    expect(() => condition('number', '=', value)).toThrow(EncodedQueryError);
  });

  it.each(['number=x', 'number^', 'Number', '1number', 'a..b'])('rejects the field name %j', (field) => {
    expect(() => condition(field, '=', 'x')).toThrow(EncodedQueryError);
  });

  it('accepts dot-walked field names', () => {
    expect(condition('assignment_group.name', '=', 'Network')).toBe('assignment_group.name=Network');
  });

  it.each([
    ['active=true^priority<=2', 'active=true^priority<=2'],
    ['active=true^ORpriority=1', 'active=true^ORpriority=1'],
    ['active=true^EQ', 'active=true'],
    ['  ', undefined],
  ])('accepts the source query %j', (input, expected) => {
    expect(configuredQuery(input)).toBe(expected);
  });

  it.each(['active=true^NQpriority=1', 'active=true^ORDERBYnumber', 'active=true^ORDERBYDESCnumber', 'ORDERBYnumber', 'a=1^EQ^b=2'])(
    'rejects the source query %j, which would break the keyset bounds',
    (input) => {
      expect(() => configuredQuery(input)).toThrow(EncodedQueryError);
    },
  );
});
