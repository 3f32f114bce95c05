import { API, type FreshserviceRest } from './rest.js';
import { AgentResponse } from './schema.js';

export interface Session {
  /** E-mail (or id) of the agent the API key belongs to. */
  integrationUser: string;
  agentId: number;
}

/** Who the API key belongs to (`GET /api/v2/agents/me`), learned once and asked again after a failure. */
export class FreshserviceSession {
  private session: Promise<Session> | undefined;
  private readonly rest: FreshserviceRest;

  constructor(rest: FreshserviceRest) {
    this.rest = rest;
  }

  async init(signal?: AbortSignal): Promise<Session> {
    this.session = undefined;
    return this.ensure(signal);
  }

  ensure(signal: AbortSignal | undefined): Promise<Session> {
    if (this.session === undefined) {
      const pending = this.load(signal);
      this.session = pending;
      pending.catch(() => {
        if (this.session === pending) this.session = undefined;
      });
    }
    return this.session;
  }

  private async load(signal: AbortSignal | undefined): Promise<Session> {
    const response = await this.rest.request({ method: 'GET', url: `${API}/agents/me`, operation: 'auth-check', signal });
    const me = this.rest.parse(AgentResponse, response.data, 'agent (me)').agent;
    return { integrationUser: me.email ?? String(me.id), agentId: me.id };
  }
}
