// The real CLI with the fake suites added: `node cli-with-fakes.ts <drillbook args>`. Tests run it as a process.
import { suites } from '../../../suites/index.ts';
import { main } from '../main.ts';
import { crashingSuite, leakySuite } from './leaky.suite.ts';

await main(process.argv, { suites: [...suites, leakySuite, crashingSuite] });
