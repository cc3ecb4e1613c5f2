// `npm run docs:config`: writes docs/configuration.md from the config specs.
import { writeFileSync } from 'node:fs';
import { renderConfigDoc } from './config-doc.ts';

const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderConfigDoc());
console.log(`wrote ${target.pathname}`);
