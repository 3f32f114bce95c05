import { describe, expect, it } from 'vitest';
import { MAPPING_NAMES } from '../../../src/platforms/mapping-names.js';
import { mappingNames } from '../../../src/platforms/registry.js';

describe('the mapping names the CLI offers without loading the platforms', () => {
  it("are the registry's mapping names, in its order", () => {
    expect(MAPPING_NAMES).toEqual(mappingNames());
  });
});
