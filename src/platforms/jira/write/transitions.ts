import type { JiraRest } from '../rest.js';
import { TransitionList } from '../schema.js';

export type Transition = TransitionList['transitions'][number];

/** The workflow transitions available on an issue now. */
export async function listTransitions(rest: JiraRest, issueId: string, signal: AbortSignal | undefined): Promise<Transition[]> {
  const response = await rest.request({ method: 'GET', url: `${rest.api}/issue/${issueId}/transitions`, operation: 'transitions', signal });
  return rest.parse(TransitionList, response.data, 'transition list').transitions;
}

/** `"Resolve" → Done, …` for an error message; `none` when there are none. */
export function describeTransitions(transitions: readonly Transition[]): string {
  return transitions.map((t) => `"${t.name}" → ${t.to?.name ?? '?'}`).join(', ') || 'none';
}
