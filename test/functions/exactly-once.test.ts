/** The exactly-once fault suite with maintenance interleaved, at a size for `npm test` (full size: exactly-once.full.test.ts). */
import { exactlyOnceSuite } from './exactly-once-suite.js';

exactlyOnceSuite({ files: 40, seeds: 2 });
