import { describe, expect, it } from 'vitest';
import { describeServiceNowFailure } from '../../../../src/platforms/servicenow/failures.js';

describe('ServiceNow 403 on what validate --online reads', () => {
  const describeFailure = describeServiceNowFailure('basic');

  it('quotes the instance and tells the admin to grant read on sys_dictionary and sys_db_object, or to run the check as an admin', () => {
    const said = describeFailure({
      sourceId: 'snow-prod',
      code: 'forbidden',
      status: 403,
      method: 'GET',
      path: '/api/now/table/sys_dictionary',
      vendorMessage: 'User is unauthorized to access table: sys_dictionary',
    });
    expect(said?.message).toBe(
      'ServiceNow refused GET /api/now/table/sys_dictionary for source snow-prod (403). ServiceNow said: "User is unauthorized to access table: sys_dictionary". ' +
        "The integration user probably lacks read access to sys_dictionary (read only by `deskbridge validate --online`, to check raw.<field> names against the table's columns); " +
        'grant a read ACL on sys_dictionary and sys_db_object to a role of the integration user, or run validate --online with the credentials of an admin',
    );
  });

  it('says what sys_user_group is read for', () => {
    const said = describeFailure({ sourceId: 'snow-prod', code: 'forbidden', status: 403, method: 'GET', path: '/api/now/table/sys_user_group' });
    expect(said?.message).toContain('the integration user probably lacks read access to sys_user_group (read only by `deskbridge validate --online`');
  });
});
