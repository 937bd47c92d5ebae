import { loadFilterConfig } from './src/safety/filter-config.ts';
import { TextFilter } from './src/safety/text-filter.ts';
const f = new TextFilter(loadFilterConfig('config/filters.yaml'));
const samples = process.argv.slice(2).length ? process.argv.slice(2) : [
 'call me on +44 7911 123456', 'my number is 07911123456', 'ring (555) 123-4567 anytime', '0 7 9 1 1 1 2 3 4 5 6',
 'zero seven nine one one one two three four five six', 'O79II I23456', 'ph0ne me 07911.123.456', '+44 (0) 7911 123456',
 'jane.doe@gmail.com', 'jane at gmail dot com', 'jane (at) gmail (dot) com', 'j a n e @ g m a i l . c o m', 'jane[at]hotmail[.]co[.]uk',
 'see https://example.com/x', 'go to example.com/x', 'www.example.com', 'www dot mysite dot com', 'bit.ly/abc', 'mysite dot com',
 'insta: @jane_doe', 'ig @janedoe', 'snap: janedoe', 'whatsapp me', 'telegram @xyz', 'tiktok @jane', 'my insta is jane.doe', 'add me on snap',
 'wh4tsapp me pls', 'find me on 1nsta: @jane', '@jane_doe_mua',
 'Scunthorpe assess class classic grass Dickens cocktail analysis therapist', 'at 10:30 on 12/03/2026, £120, $85.50, 120 EUR', 'meet at 9.45 on 12.03.2026',
 'Flat 3, 45 High Street, London SW1A 1AA', '2 hours, 3 x 45 min', 'booking ref BK-48392017', 'ref 48392017', 'I saw your work on Instagram, love it!',
 'fuck off', 'you are a b1tch', 's h i t', 'what the f*ck', 'polka dot co-ord', 'Done. Info to follow', 'see you @ 10', 'I’ll be @home by 5',
];
for (const s of samples) { const v = f.check(s); console.log(v.action.padEnd(5), JSON.stringify(s), '→', JSON.stringify(v.text), v.matches.map(m=>m.category).join(',')); }
