import type { JiraRest } from './rest.js';
import { Myself } from './schema.js';
import { WIDEST_ZONE, isKnownTimeZone } from './time.js';

export interface Session {
  /** accountId (Cloud) or username (DC) the connector writes as. */
  integrationUser: string;
  /** IANA zone JQL dates are read in (the authenticated user's). */
  timeZone: string;
}

/** Who the connector acts as, learned once from `GET /myself` and asked again after a failure. */
export class JiraSession {
  private session: Promise<Session> | undefined;
  private readonly rest: JiraRest;

  constructor(rest: JiraRest) {
    this.rest = rest;
  }

  /** Checks the credentials now; a failure is thrown and the next call asks again. */
  async init(signal?: AbortSignal): Promise<Session> {
    const pending = this.load(signal);
    this.session = pending;
    try {
      return await pending;
    } catch (error) {
      this.session = undefined;
      throw error;
    }
  }

  ensure(signal: AbortSignal | undefined): Promise<Session> {
    if (this.session === undefined) {
      const pending = this.load(signal);
      this.session = pending;
      pending.catch(() => {
        if (this.session === pending) {
          this.session = undefined;
        }
      });
    }
    return this.session;
  }

  private async load(signal: AbortSignal | undefined): Promise<Session> {
    const { rest } = this;
    const { userKey } = rest.flavour;
    const response = await rest.request({ method: 'GET', url: `${rest.api}/myself`, operation: 'myself', signal });
    const me = rest.parse(Myself, response.data, 'myself');
    const authenticated = me[userKey];
    const integrationUser = rest.source.integrationUser ?? authenticated;
    if (integrationUser === undefined) {
      throw rest.badResponse(`${rest.label} /myself did not say who the credentials act as (no ${userKey}) for source ${rest.sourceId}`);
    }
    if (rest.source.integrationUser !== undefined && authenticated !== undefined && authenticated !== rest.source.integrationUser) {
      // Own-write detection compares changelog authors with integrationUser; ours will not match.
      rest.logger?.warn('Integration user differs from the authenticated user', {
        source: rest.sourceId,
        integrationUser: rest.source.integrationUser,
        hint: `the credentials act as ${userKey} ${authenticated}; its changes will be processed as human edits`,
      });
    }
    let timeZone = me.timeZone ?? undefined;
    if (timeZone === undefined || !isKnownTimeZone(timeZone)) {
      rest.logger?.warn('Jira user time zone unknown', {
        source: rest.sourceId,
        timeZone,
        hint: "JQL dates are read in the user's zone; bounds are widened by up to 26 hours to stay safe. Set the time zone in the user profile.",
      });
      timeZone = WIDEST_ZONE;
    }
    return { integrationUser, timeZone };
  }
}
