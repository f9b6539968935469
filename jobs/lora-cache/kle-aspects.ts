/** KLE aspects by MO scope. The snapshot holds an aspect's user_key (klasser.bvn) and title; both are matched. */
export type KleAspect = 'UDFOERENDE' | 'INDSIGT' | 'INFORMERET' | 'ANSVARLIG' | 'OTHER';

/** "Udførende", "Udfoerende", "UDFOERENDE" → UDFOERENDE. */
export function kleAspectOf(userKey: string, title: string): KleAspect {
  for (const raw of [userKey, title]) {
    const k = raw
      .toUpperCase()
      .replaceAll('Ø', 'OE')
      .replace(/[^A-Z]/g, '');
    if (k === 'UDFOERENDE' || k === 'INDSIGT' || k === 'INFORMERET' || k === 'ANSVARLIG') return k;
  }
  return 'OTHER';
}
