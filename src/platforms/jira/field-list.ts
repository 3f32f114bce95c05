import type { JiraRest } from './rest.js';
import { FieldList } from './schema.js';

/**
 * The site's field list (`GET /rest/api/{3|2}/field`), read once per connector and shared by the
 * group-field writer (which field type takes a group) and `validate --online` (which field ids
 * exist). A failed read is forgotten, so the next caller asks again.
 */
export class JiraFieldList {
  private list: Promise<FieldList> | undefined;
  private readonly rest: JiraRest;

  constructor(rest: JiraRest) {
    this.rest = rest;
  }

  read(signal: AbortSignal | undefined): Promise<FieldList> {
    this.list ??= this.rest
      .request({ method: 'GET', url: `${this.rest.api}/field`, operation: 'field-list', signal })
      .then((response) => this.rest.parse(FieldList, response.data, 'field list'))
      .catch((error: unknown) => {
        this.list = undefined;
        throw error;
      });
    return this.list;
  }
}
