import { loadFilterConfig } from './src/safety/filter-config.ts';
import { TextFilter } from './src/safety/text-filter.ts';
const f = new TextFilter(loadFilterConfig('config/filters.yaml'));
const base = "Hi! Just confirming our appointment on Saturday at 10:30 for bridal hair and make-up. The price was £120 plus travel. I'll be at 45 High Street, flat 3. Could you bring the classic curling tongs and some extra pins? My sister will also want a trial for her wedding next month, maybe 2 hours. Thanks so much, looking forward to it! See you soon and have a lovely evening. ";
const msg = (base+base).slice(0,500);
let x = 0;
const t = performance.now();
for (let i=0;i<100000;i++) x += f.check(msg).text.length;
console.log((performance.now()-t)/100000*1000, 'us', x);
