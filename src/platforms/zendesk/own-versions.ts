/**
 * The versions this connector's writes left tickets at (`WriteResult.ownVersion`), so a pull in
 * the same process reports a ticket at that version as changed by the integration user. Zendesk
 * tickets do not say who changed them last (only their audits do, at a request per ticket); the
 * sync loop keeps the same versions in the state store, which also covers restarts.
 */
export class OwnVersions {
  private readonly versions = new Map<string, string>();

  note(nativeId: string, version: string): void {
    this.versions.set(nativeId, version);
  }

  has(nativeId: string, version: string): boolean {
    return this.versions.get(nativeId) === version;
  }
}
