// `npm run lint`: the syntax layer of eslint.config.js only (no type information, seconds); the
// type-aware layer runs as `npm run lint:types`. See eslint.config.js.
import { syntaxConfig } from './eslint.config.js';

export default syntaxConfig;
