import { loadFilterConfig } from './src/safety/filter-config.ts';
import { TextFilter } from './src/safety/text-filter.ts';
import { normalise } from './src/safety/normalise.ts';
const f = new TextFilter(loadFilterConfig('config/filters.yaml'));
const base = "Hi! Just confirming our appointment on Saturday at 10:30 for bridal hair and make-up. The price was £120 plus travel. I'll be at 45 High Street, flat 3. Could you bring the classic curling tongs and some extra pins? My sister will also want a trial for her wedding next month, maybe 2 hours. Thanks so much, looking forward to it! See you soon and have a lovely evening. ";
const msg = (base+base).slice(0,500);
function bench(name: string, fn: () => void) {
  for (let i=0;i<3000;i++) fn();
  const N=20000; const ts: number[]=[];
  for (let i=0;i<N;i++){ const t=process.hrtime.bigint(); fn(); ts.push(Number(process.hrtime.bigint()-t)/1000);}
  ts.sort((a,b)=>a-b); console.log(name.padEnd(12),'p50',ts[N/2]!.toFixed(1),'p99',ts[Math.floor(N*0.99)]!.toFixed(1));
}
bench('check', () => f.check(msg));
bench("fold", () => normalise(msg).folded);
bench('joined', () => normalise(msg).joined);
bench('letters', () => normalise(msg).letters);
bench('digits', () => normalise(msg).digits);
const n = normalise(msg); const j = n.joined.text;
const { findContacts } = await import('./src/safety/contact-patterns.ts');
bench('email', () => findContacts(j, 'email', { platformNamed: true }, () => {}));
bench('link', () => findContacts(j, 'link', { platformNamed: true }, () => {}));
bench('social', () => findContacts(j, 'social_handle', { platformNamed: true }, () => {}));
const { WordMatcher, englishProfanity } = await import('./src/safety/word-matcher.ts');
const wm = new WordMatcher([{ category: 'profanity', ...englishProfanity() }]);
bench('words', () => { const n = normalise(msg); n.letters; wm.find(n, () => {}); });
