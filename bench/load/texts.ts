// What customers and artists of a beauty-booking marketplace write: short, mostly one line,
// sometimes a longer question. Picked at random for each message.
const TEXTS = [
  'Hi! Is 10am on Saturday still free?',
  'Perfect, see you then 😊',
  'Could you do a soft glam look, nothing too heavy?',
  'I have a photo of the style I want, sending it later',
  'Running 10 minutes late, sorry!',
  'Yes that works for me',
  'Do you bring your own lashes or should I buy some?',
  'The address is the blue door next to the bakery, 3rd floor, ring twice',
  'Thanks so much, it looked amazing at the wedding!',
  'Can we move it to 2pm? Something came up at work',
  'How long does a full set usually take?',
  'ok',
  'Great, booked ✅',
  'My skin is quite sensitive, is the foundation fragrance-free? I reacted badly to something last time and would rather be careful this time, especially before the photos.',
  'Parking is free on the street after 6',
  'Let me check with my sister and come back to you',
];

export function realisticText(random: () => number = Math.random): string {
  return TEXTS[Math.floor(random() * TEXTS.length)]!;
}
