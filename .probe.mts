import { parseYamlSource } from './src/config/yaml-source.ts';
import { readFileSync } from 'node:fs';
for (const f of ['test/fixtures/config/malformed.yaml', 'test/fixtures/rules/broken-yaml.yaml']) console.log(parseYamlSource(f, readFileSync(f, 'utf8')).diagnostics);
console.log(parseYamlSource('x', 'a: "abc\nb: 1\n').diagnostics, parseYamlSource('x', "a: 'abc").diagnostics);
