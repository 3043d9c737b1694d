/** The exactly-once fault suite with maintenance interleaved, full size (`npm run test:full`). */
import { exactlyOnceSuite } from './exactly-once-suite.js';

exactlyOnceSuite({ files: 500, seeds: 10 });
