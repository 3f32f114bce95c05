// Removes dist/. Run before `npm pack` builds it (no compiled file of a deleted source is shipped)
// and after (bin/deskbridge.js prefers dist/, so one left in a clone would run stale code once the
// sources change).
import { rmSync } from 'node:fs';

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
